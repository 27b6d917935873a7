import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { fromHalfBits, toHalfBits } from '../../../../core/oip/fp16.js';

// An exact reference for double -> half, apart from fp16.ts: every finite double is a whole multiple
// of 2^-1074, so each one and each half is an integer in those units, compared as BigInt.
const BITS = new DataView(new ArrayBuffer(8));

/** |value| in units of 2^-1074, exactly. */
function units(value: number): bigint {
  BITS.setFloat64(0, Math.abs(value));
  const bits = BITS.getBigUint64(0);
  const exponent = bits >> 52n;
  const fraction = bits & (2n ** 52n - 1n);
  return exponent === 0n ? fraction : (fraction | (2n ** 52n)) << (exponent - 1n);
}

/**
 * The magnitude of each half 0x0000..0x7bff in those units, then 2^16 at 0x7c00: where the grid
 * would go on with an unbounded exponent, which is how IEEE 754 rounds to Infinity.
 */
const HALVES = Array.from({ length: 0x7c01 }, (_, h) => {
  const exponent = BigInt(h >> 10);
  const mantissa = BigInt(h & 0x3ff);
  return exponent === 0n ? mantissa << 1050n : (1024n + mantissa) << (exponent + 1049n);
});

/** The half nearest `value`, ties to the even one, as bits. */
function referenceHalfBits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const x = units(value);
  if (x >= HALVES[0x7c00]!) return sign | 0x7c00;
  let low = 0; // the largest half at or below x: HALVES[low] <= x < HALVES[high]
  let high = 0x7c00;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (HALVES[middle]! <= x) low = middle;
    else high = middle;
  }
  const twice = 2n * x;
  const sum = HALVES[low]! + HALVES[high]!;
  const nearest = twice < sum ? low : twice > sum ? high : low % 2 === 0 ? low : high;
  return sign | nearest;
}

/** The double after (steps 1) or before (-1) a positive finite double. */
function nextDouble(value: number, steps: 1 | -1): number {
  BITS.setFloat64(0, value);
  BITS.setBigUint64(0, BITS.getBigUint64(0) + BigInt(steps));
  return BITS.getFloat64(0);
}

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

  it('rounds a double once: just above a midpoint goes up, even where FP32 would round it to the midpoint', () => {
    // Rounding to FP32 first lands both on a midpoint, and the tie then goes to the even half below.
    expect(toHalfBits(1.0004882812509095)).toBe(0x3c01); // 1.0009765625
    expect(toHalfBits(2049.000000001)).toBe(0x6801); // 2050
    expect(toHalfBits(-2049.000000001)).toBe(0xe801);
    expect(toHalfBits(nextDouble(65520, -1))).toBe(0x7bff); // just below the midpoint to Infinity
    expect(toHalfBits(nextDouble(2 ** -25, 1))).toBe(0x0001);
  });

  it('agrees with exact arithmetic at every half, at each midpoint between neighbours, and one double either side', () => {
    for (let h = 0; h < 0x7c00; h++) {
      const value = fromHalfBits(h);
      const next = h === 0x7bff ? 65536 : fromHalfBits(h + 1); // past the largest half: Infinity's midpoint
      const midpoint = (value + next) / 2; // exact: halves have 11 significant bits, doubles 53
      const probes = [value, midpoint, nextDouble(midpoint, -1), nextDouble(midpoint, 1)];
      if (h > 0) probes.push(nextDouble(value, -1), nextDouble(value, 1));
      for (const probe of probes) {
        for (const signed of [probe, -probe]) {
          const bits = toHalfBits(signed);
          if (bits !== referenceHalfBits(signed))
            throw new Error(
              `${signed}: 0x${bits.toString(16)}, not 0x${referenceHalfBits(signed).toString(16)}`,
            );
        }
      }
    }
  });

  it('agrees with exact arithmetic for any double, tiny, huge or odd', () => {
    for (const value of [Number.MIN_VALUE, Number.MAX_VALUE, 2 ** -1022, 2 ** -26, 2 ** -25]) {
      expect(toHalfBits(value)).toBe(referenceHalfBits(value));
      expect(toHalfBits(-value)).toBe(referenceHalfBits(-value));
    }
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ noNaN: true }),
          fc.double({ min: -70_000, max: 70_000, noNaN: true }),
          fc.double({ min: -(2 ** -13), max: 2 ** -13, noNaN: true }),
        ),
        (value) => {
          expect(toHalfBits(value)).toBe(referenceHalfBits(value));
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 10_000) },
    );
  });

  it('round-trips every finite half exactly', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const exponent = (bits >>> 10) & 0x1f;
      if (exponent === 0x1f) continue; // Infinity and NaN
      expect(toHalfBits(fromHalfBits(bits))).toBe(bits);
    }
  });

  it('encodes and decodes NaN as a quiet NaN', () => {
    expect(fromHalfBits(0x7e00)).toBeNaN();
    expect(toHalfBits(Number.NaN)).toBe(0x7e00);
  });
});
