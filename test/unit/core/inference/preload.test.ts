import { describe, expect, it, jest } from '@jest/globals';
import { preloadModels } from '../../../../core/inference/serving.js';
import type { ModelVersion } from '../../../../core/models/schemas.js';
import { NotFoundError } from '../../../../core/oip/errors.js';

const version = (name: string, n = 3): ModelVersion => ({
  name,
  version: n,
  sha256: '0'.repeat(64),
  size: 100,
  objectKey: `models/${name}/x.onnx`,
  signature: { inputs: [], outputs: [] },
  createdAt: '',
  createdBy: '',
});

const fakeLog = () => ({ info: jest.fn(), error: jest.fn() });

describe('preloadModels', () => {
  it('warms what serves each named model, one model after another', async () => {
    // Prepare
    const order: string[] = [];
    const serving = {
      catalog: { servingVersions: async (name: string) => [version(name)] },
      sessions: {
        warm: async (v: ModelVersion) => {
          order.push(`start ${v.name}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
          order.push(`end ${v.name}`);
        },
      },
    };
    const log = fakeLog();
    // Act
    const result = await preloadModels(serving, ['vad', 'demo'], log);
    // Assess
    expect(result).toEqual({ loaded: ['vad', 'demo'], failed: [] });
    expect(order).toEqual(['start vad', 'end vad', 'start demo', 'end demo']);
    expect(log.info).toHaveBeenCalledWith(
      'model preloaded',
      expect.objectContaining({ model: 'vad', versions: [3] }),
    );
  });

  it('logs a model that cannot be resolved or loaded and goes on with the others', async () => {
    const warm = jest.fn(async (v: ModelVersion) => {
      if (v.name === 'broken') throw new Error('bytes do not match their sha256');
    });
    const serving = {
      catalog: {
        servingVersions: async (name: string) => {
          if (name === 'missing') throw new NotFoundError(`model '${name}' not found`);
          return [version(name)];
        },
      },
      sessions: { warm },
    };
    const log = fakeLog();

    const result = await preloadModels(serving, ['missing', 'broken', 'demo'], log);

    expect(result).toEqual({ loaded: ['demo'], failed: ['missing', 'broken'] });
    expect(warm).toHaveBeenCalledTimes(2);
    expect(log.error).toHaveBeenCalledWith(expect.any(String), {
      model: 'missing',
      reason: "model 'missing' not found",
    });
    expect(log.error).toHaveBeenCalledWith(expect.any(String), {
      model: 'broken',
      reason: 'bytes do not match their sha256',
    });
  });

  it('does nothing when no model is named', async () => {
    const servingVersions = jest.fn(async (name: string) => [version(name)]);
    const result = await preloadModels(
      { catalog: { servingVersions }, sessions: { warm: async () => {} } },
      [],
      fakeLog(),
    );
    expect(result).toEqual({ loaded: [], failed: [] });
    expect(servingVersions).not.toHaveBeenCalled();
  });
});
