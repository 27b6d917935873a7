import { describe, expect, it, jest } from '@jest/globals';
import type { Runner } from '../../../../core/inference/runtime.js';
import { type CacheEvent, SessionCache } from '../../../../core/inference/sessions.js';
import type { ModelVersion } from '../../../../core/models/schemas.js';

const version = (name: string, size = 100): ModelVersion => ({
  name,
  version: 1,
  sha256: '0'.repeat(64),
  size,
  objectKey: `models/${name}`,
  signature: { inputs: [], outputs: [] },
  createdAt: '',
  createdBy: '',
});

function fakeRunner(): Runner & { release: jest.Mock<() => Promise<void>> } {
  return {
    signature: { inputs: [], outputs: [] },
    run: async () => [],
    release: jest.fn(async () => {}),
  };
}

describe('SessionCache', () => {
  it('loads a model once for many concurrent first requests', async () => {
    // Prepare
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const load = jest.fn(async () => {
      await gate;
      return fakeRunner();
    });
    const cache = new SessionCache({ budgetBytes: 1000, load });
    // Act
    const uses = Array.from({ length: 50 }, () => cache.use(version('a'), async () => 'ran'));
    release();
    // Assess
    expect(await Promise.all(uses)).toEqual(Array(50).fill('ran'));
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('evicts the least recently used model beyond the budget, keeping the newest', async () => {
    const runners = new Map<string, ReturnType<typeof fakeRunner>>();
    const events: CacheEvent[] = [];
    const cache = new SessionCache({
      budgetBytes: 250,
      load: async (v) => {
        const runner = fakeRunner();
        runners.set(v.name, runner);
        return runner;
      },
      onEvent: (e) => events.push(e),
    });
    await cache.warm(version('a'));
    await cache.warm(version('b'));
    await cache.warm(version('a')); // a is now more recent than b
    await cache.warm(version('c'));
    expect(runners.get('b')?.release).toHaveBeenCalledTimes(1);
    expect(runners.get('a')?.release).not.toHaveBeenCalled();
    expect(cache.stats()).toEqual({ models: 2, bytes: 200 });
    expect(events.filter((e) => e.type === 'evicted')).toEqual([
      { type: 'evicted', key: 'b@1', bytes: 100 },
    ]);
  });

  it('releases an evicted session only after its last request finishes', async () => {
    const first = fakeRunner();
    const cache = new SessionCache({
      budgetBytes: 100,
      load: async (v) => (v.name === 'a' ? first : fakeRunner()),
    });
    let finish!: () => void;
    const running = cache.use(
      version('a'),
      () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    await cache.warm(version('b')); // evicts a while a request still uses it
    expect(first.release).not.toHaveBeenCalled();
    finish();
    await running;
    expect(first.release).toHaveBeenCalledTimes(1);
  });

  it('remembers a failed load for a while, then tries again', async () => {
    let now = 0;
    const load = jest
      .fn<(v: ModelVersion) => Promise<Runner>>()
      .mockRejectedValueOnce(new Error('store down'))
      .mockResolvedValue(fakeRunner());
    const cache = new SessionCache({ budgetBytes: 1000, load, retryAfterMs: 1000, now: () => now });
    await expect(cache.warm(version('a'))).rejects.toThrow('store down');
    await expect(cache.warm(version('a'))).rejects.toThrow('store down');
    expect(load).toHaveBeenCalledTimes(1);
    now = 1001;
    await expect(cache.warm(version('a'))).resolves.toBeUndefined();
    expect(load).toHaveBeenCalledTimes(2);
  });
});
