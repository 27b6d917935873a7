import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../../core/config.js';
import {
  MAX_BODY_BYTES_LIMIT,
  parseSettings,
  SETTING_KEYS,
  SettingsError,
} from '../../../infra/settings.js';
import { ROOT } from '../../helpers/processes.js';

describe('parseSettings', () => {
  it('documents every setting in cdk.json with exactly its default', () => {
    // Prepare
    const { context } = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    const documented = Object.fromEntries(SETTING_KEYS.map((key) => [key, context[key]]));
    // Act
    const defaults = parseSettings({});
    // Assess
    expect(SETTING_KEYS.filter((key) => !(key in context))).toEqual([]);
    expect(parseSettings(documented)).toEqual(defaults);
  });

  it('takes the defaults the handlers share from core/config.ts', () => {
    const code = loadConfig({});
    const settings = parseSettings({});
    expect(settings.maxBodyBytes).toBe(code.maxBodyBytes);
    expect(settings.authorizerCacheTtlSeconds * 1000).toBe(code.keyCacheTtlMs);
  });

  it('reads `-c key=value` strings as the numbers, booleans and lists they spell', () => {
    const settings = parseSettings({
      memorySize: '4096',
      waf: 'false',
      reservedConcurrency: '10',
      provisionedConcurrency: '2',
      preloadModels: 'vad, demo,,',
      architecture: 'x86_64',
    });
    expect(settings).toMatchObject({
      memorySize: 4096,
      waf: false,
      reservedConcurrency: 10,
      provisionedConcurrency: 2,
      preloadModels: ['vad', 'demo'],
      architecture: 'x86_64',
    });
  });

  it('leaves concurrency unreserved for null or "none"', () => {
    expect(parseSettings({ reservedConcurrency: null }).reservedConcurrency).toBeUndefined();
    expect(parseSettings({ reservedConcurrency: 'none' }).reservedConcurrency).toBeUndefined();
  });

  it.each([
    [{ architecture: 'x64' }, 'architecture'],
    [{ memorySize: 64 }, 'memorySize'],
    [{ logRetentionDays: 4 }, 'logRetentionDays'],
    [{ preloadModels: ['Not A Name'] }, 'preloadModels'],
    [{ maxBodyBytes: MAX_BODY_BYTES_LIMIT + 1 }, 'maxBodyBytes'],
    [{ waf: 'yes' }, 'waf'],
    [{ reservedConcurrency: 2, provisionedConcurrency: 3 }, 'provisionedConcurrency'],
  ])('refuses %j, naming the context key', (context, key) => {
    expect(() => parseSettings(context)).toThrow(SettingsError);
    expect(() => parseSettings(context)).toThrow(`'${key}'`);
  });

  it('caps the body limit where a base64 body still fits a 6 MiB Lambda event', () => {
    const base64 = Math.ceil(MAX_BODY_BYTES_LIMIT / 3) * 4;
    expect(base64 + 64 * 1024).toBeLessThanOrEqual(6 * 1024 * 1024);
  });
});
