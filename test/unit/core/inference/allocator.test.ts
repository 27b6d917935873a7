import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  FETCHING_MMAP_THRESHOLD,
  loadAllocator,
  M_MMAP_THRESHOLD,
  M_TRIM_THRESHOLD,
  type Mallopt,
  OPENING_MMAP_THRESHOLD,
  SERVING_MMAP_THRESHOLD,
  SERVING_TRIM_THRESHOLD,
} from '../../../../core/inference/allocator.js';
import { ROOT, runTs } from '../../../helpers/processes.js';

/** A mallopt that records the mmap threshold it is given, and the trim threshold apart. */
function recordingMallopt() {
  const thresholds: number[] = [];
  const trims: number[] = [];
  const mallopt: Mallopt = (param, value) => {
    if (param === M_MMAP_THRESHOLD) thresholds.push(value);
    else if (param === M_TRIM_THRESHOLD) trims.push(value);
    else throw new Error(`unexpected mallopt parameter ${param}`);
    return 1;
  };
  return { mallopt, thresholds, trims };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('loadAllocator', () => {
  it('maps 64 KiB blocks while bytes arrive, 1 MiB blocks while the model opens, then serves', async () => {
    // Prepare
    const { mallopt, thresholds, trims } = recordingMallopt();
    const allocator = loadAllocator(mallopt);
    const during: number[] = [];
    // Act
    const bytes = await allocator.fetching(async () => {
      during.push(thresholds.at(-1) ?? 0);
      return 'bytes';
    });
    const runner = await allocator.opening(async () => {
      during.push(thresholds.at(-1) ?? 0);
      return `runner of ${bytes}`;
    });
    // Assess
    expect(runner).toBe('runner of bytes');
    expect(during).toEqual([FETCHING_MMAP_THRESHOLD, OPENING_MMAP_THRESHOLD]);
    expect(thresholds).toEqual([
      FETCHING_MMAP_THRESHOLD,
      SERVING_MMAP_THRESHOLD,
      OPENING_MMAP_THRESHOLD,
      SERVING_MMAP_THRESHOLD,
    ]);
    // Once: from the first load on, glibc no longer moves it by itself.
    expect(trims).toEqual([SERVING_TRIM_THRESHOLD]);
  });

  it('keeps 64 KiB while any overlapping load still fetches', async () => {
    // Prepare
    const { mallopt, thresholds } = recordingMallopt();
    const allocator = loadAllocator(mallopt);
    const slowFetch = deferred<void>();
    const first = allocator.fetching(() => slowFetch.promise);
    // Act: a second load fetches and opens while the first still fetches
    await allocator.fetching(async () => undefined);
    let openedUnder = 0;
    await allocator.opening(async () => {
      openedUnder = thresholds.at(-1) ?? 0;
    });
    const beforeFirstEnds = thresholds.at(-1);
    slowFetch.resolve();
    await first;
    // Assess
    expect(openedUnder).toBe(FETCHING_MMAP_THRESHOLD);
    expect(beforeFirstEnds).toBe(FETCHING_MMAP_THRESHOLD);
    expect(thresholds).toEqual([FETCHING_MMAP_THRESHOLD, SERVING_MMAP_THRESHOLD]);
  });

  it('goes back to the serving threshold when a load fails, and passes the error on', async () => {
    // Prepare
    const { mallopt, thresholds } = recordingMallopt();
    const allocator = loadAllocator(mallopt);
    // Act
    const failed = allocator.opening(async () => {
      throw new Error('not a loadable ONNX model');
    });
    // Assess
    await expect(failed).rejects.toThrow('not a loadable ONNX model');
    expect(thresholds).toEqual([OPENING_MMAP_THRESHOLD, SERVING_MMAP_THRESHOLD]);
  });

  it('runs loads as they are where there is no mallopt', async () => {
    const allocator = loadAllocator(undefined);
    await expect(allocator.fetching(async () => 7)).resolves.toBe(7);
    await expect(allocator.opening(async () => 8)).resolves.toBe(8);
  });
});

describe('loadMallopt', () => {
  it("sets this machine's glibc: Node's large buffers mapped on their own or not, as maas asks", async () => {
    // Act
    const { code, output } = await runTs(
      join(ROOT, 'test', 'helpers', 'allocator-probe.ts'),
      [],
      {},
    );
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(output.trim().split('\n').at(-1) ?? 'null')).toEqual({
      results: [1, 1],
      byDefault: true, // glibc's own threshold starts at 128 KiB
      whileServing: false,
      whileFetching: true,
    });
  }, 30_000);
});
