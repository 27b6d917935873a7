import { describe, expect, it } from '@jest/globals';
import { fromHalfBits, toHalfBits } from '../../../../core/oip/fp16.js';

describe('fp16', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [2 ** -14, 0x0400],
    [2 ** -24, 0x0001],
    [Number.POSITIVE_INFINITY, 0x7c00],
    [Number.NEGATIVE_INFINITY, 0xfc00],
    [1e6, 0x7c00],
  ])('encodes %p as 0x%s', (value, bits) => {
    expect(toHalfBits(value)).toBe(bits);
  });

  it('rounds to nearest, ties to even', () => {
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00); // halfway between 1 and the next half: even wins
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toHalfBits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(toHalfBits(2 ** -25 + 2 ** -30)).toBe(0x0001); // above half the smallest subnormal
    expect(toHalfBits(2 ** -26)).toBe(0x0000);
  });

  it('round-trips every finite half exactly', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const exponent = (bits >>> 10) & 0x1f;
      if (exponent === 0x1f) continue; // Infinity and NaN
      expect(toHalfBits(fromHalfBits(bits))).toBe(bits);
    }
  });

  it('decodes NaN', () => {
    expect(fromHalfBits(0x7e00)).toBeNaN();
    expect(toHalfBits(Number.NaN) & 0x7c00).toBe(0x7c00);
  });
});
