import { describe, expect, it } from '@jest/globals';
import { ConfigError, ENV, loadConfig, required } from '../../../core/config.js';

describe('loadConfig', () => {
  it('fills defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      region: 'us-east-1',
      maxBodyBytes: 4 * 1024 * 1024,
      preloadModels: [],
    });
    expect(config.modelBucket).toBeUndefined();
  });

  it('reads each setting from its environment variable', () => {
    const config = loadConfig({
      [ENV.modelBucket]: 'bucket',
      [ENV.maxBodyBytes]: '2048',
      [ENV.preloadModels]: ' vad, demo ,,',
    });
    expect(config).toMatchObject({
      modelBucket: 'bucket',
      maxBodyBytes: 2048,
      preloadModels: ['vad', 'demo'],
    });
  });

  it('names the variable that holds a bad value', () => {
    expect(() => loadConfig({ [ENV.metadataTtlMs]: 'soon' })).toThrow(
      /invalid MAAS_METADATA_TTL_MS/,
    );
    expect(() => loadConfig({ [ENV.s3Endpoint]: 'not a url' })).toThrow(ConfigError);
  });

  it('says which variable is missing when a resource name is required', () => {
    expect(() => required(loadConfig({}), 'keysTable')).toThrow('MAAS_KEYS_TABLE is not set');
  });
});
