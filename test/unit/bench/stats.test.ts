import { describe, expect, it } from '@jest/globals';
import { formatMarkdown, formatTable, row, sliceRatios, spreadOf } from '../../../bench/stats.js';

describe('sliceRatios', () => {
  it('takes the ratio of medians within each consecutive slice, in the order taken', () => {
    // Prepare: maas twice raw's time in the first half, three times in the second.
    const raw = [1, 1, 1, 2, 2, 2];
    const maas = [2, 2, 2, 6, 6, 6];

    // Act
    const ratios = sliceRatios(maas, raw, 2);

    // Assess
    expect(ratios).toEqual([2, 3]);
  });

  it('uses the median of each slice, so one outlier does not move it', () => {
    expect(sliceRatios([10, 10, 500, 10], [5, 5, 5, 5], 1)).toEqual([2]);
  });

  it('spreads uneven counts over the slices and never makes an empty one', () => {
    expect(sliceRatios([1, 2, 3, 4, 5], [1, 1, 1, 1, 1], 2)).toEqual([2, 4.5]);
    expect(sliceRatios([4, 6], [2, 2], 8)).toEqual([2, 3]);
  });

  it('refuses samples that are not paired', () => {
    expect(() => sliceRatios([1, 2], [1], 2)).toThrow('unpaired samples: 2 and 1');
  });
});

describe('spreadOf', () => {
  it('is the lowest and highest slice ratio', () => {
    expect(spreadOf([1.5, 1.42, 1.61, 1.55])).toEqual({ low: 1.42, high: 1.61, slices: 4 });
  });

  it('is undefined for a single slice, which has no spread', () => {
    expect(spreadOf([1.5])).toBeUndefined();
    expect(spreadOf([])).toBeUndefined();
  });
});

describe('row and the tables', () => {
  const measured = {
    family: 'in-process' as const,
    unit: 'ms',
    maas: { median: 3.3, p99: 4.5, n: 100 },
    reference: { median: 2.2, p99: 3.1, n: 100 },
    target: { comparator: '<=' as const, ratio: 1.4 },
  };

  it('prints the ratio range beside the ratio and its verdict', () => {
    // Act
    const r = row({
      ...measured,
      id: 'a',
      label: 'drifting',
      spread: spreadOf([1.31, 1.62]),
    });

    // Assess
    expect(r).toMatchObject({ verdict: 'MISS', spread: { low: 1.31, high: 1.62 } });
    expect(r.ratio).toBeCloseTo(1.5);
    expect(formatTable([r])).toMatch(
      /drifting\s+3\.30 ms\s+4\.50 ms\s+2\.20 ms\s+3\.10 ms\s+1\.50x\s+1\.31-1\.62x\s+<= 1\.4x\s+MISS/,
    );
    expect(formatMarkdown([r])).toContain('| 1.50x | 1.31-1.62x | <= 1.4x | MISS |');
  });

  it('leaves the range empty, and out of the JSON, without slices', () => {
    const r = row({ ...measured, id: 'b', label: 'single', spread: undefined });

    expect('spread' in r).toBe(false);
    expect(formatMarkdown([r])).toContain('| 1.50x |  | <= 1.4x | MISS |');
  });
});
