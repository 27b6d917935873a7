import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { preparePrinter, printFloats } from '../../../../core/oip/number-print.js';

/** FP32 values from their bit patterns. */
const fromBits = (bits: readonly number[]) => new Float32Array(Uint32Array.from(bits).buffer);

/** The first value printed differently from String(), with both texts; undefined when none is. */
function firstMismatch(values: Float32Array) {
  const printed = printFloats(values)?.split(',');
  if (printed?.length !== values.length) return { length: printed?.length };
  for (let i = 0; i < values.length; i++) {
    const expected = String(values[i]);
    if (printed[i] !== expected) return { value: expected, printed: printed[i] };
  }
  return undefined;
}

describe('printFloats', () => {
  it("prints FP32 values in the text join(',') gives, in every layout ECMAScript has", () => {
    const values = Float32Array.from([
      0,
      -0,
      1,
      -1,
      0.1,
      -2.5,
      100,
      123456,
      16777216,
      2 ** 60,
      1e20,
      1e21,
      1e-6,
      1e-7,
      1.5e-7,
      0.000123,
      3.4028234663852886e38,
      -3.4028234663852886e38,
      1.401298464324817e-45,
      1.1754943508222875e-38,
      0.333333333,
      7e-45,
    ]);
    expect(printFloats(values)).toBe(values.join(','));
    expect(firstMismatch(values)).toBeUndefined();
    expect(printFloats(new Float32Array(0))).toBe('');
  });

  it('prints every power of two FP32 has, and the values beside each, as String() does', () => {
    // At a power of two the rounding interval is lopsided: Ryu's one special case.
    const bits: number[] = [];
    for (let exponent = 0; exponent < 255; exponent++) {
      const power = exponent << 23;
      for (const near of [power - 1, power, power + 1])
        if (near > 0) bits.push(near, near | (2 ** 31));
    }
    bits.push(1, 2, 3, 0x7fffff, 0x7f7fffff); // subnormals and the largest value
    expect(firstMismatch(fromBits(bits))).toBeUndefined();
  });

  it('prints the FP32 values nearest the layout changes (1e21, 1e-6) and decimal powers as String() does', () => {
    const bits: number[] = [];
    for (let power = -45; power <= 38; power++) {
      const at = new Uint32Array(Float32Array.of(10 ** power).buffer)[0]!;
      for (let d = -2; d <= 2; d++) bits.push(at + d);
    }
    expect(firstMismatch(fromBits(bits).filter(Number.isFinite))).toBeUndefined();
  });

  it('prints random FP32 bit patterns as String() does', () => {
    const bits = Uint32Array.from({ length: 300_000 }, () => (Math.random() * 2 ** 32) >>> 0);
    const values = new Float32Array(bits.buffer).filter(Number.isFinite);
    expect(firstMismatch(values)).toBeUndefined();
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true })), (floats) => {
        const array = Float32Array.from(floats);
        expect(printFloats(array)).toBe(array.join(','));
      }),
    );
  });

  it('prints arrays longer than one call of the WebAssembly takes, separators included', () => {
    const values = Float32Array.from({ length: 40_000 }, (_, i) => (i % 7 === 0 ? -i : i / 3));
    expect(printFloats(values)).toBe(values.join(','));
  });

  it('refuses NaN and infinities wherever they are, so the caller can write them its own way', () => {
    for (const odd of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      for (const at of [0, 5, 39_999]) {
        const values = new Float32Array(40_000).fill(0.5);
        values[at] = odd;
        expect(printFloats(values)).toBeUndefined();
      }
    }
    // And is not left stuck: the next array prints.
    expect(printFloats(Float32Array.of(1.5, 2))).toBe('1.5,2');
  });

  it('can be assembled ahead of use, any number of times, without changing what it prints', () => {
    const values = Float32Array.of(0.1, -3e-7, 65504);
    const before = printFloats(values);
    preparePrinter();
    preparePrinter();
    expect(printFloats(values)).toBe(before);
    expect(before).toBe(values.join(','));
  });

  it('prints FP64 arrays as join() does, and refuses their non-finite values too', () => {
    const doubles = Float64Array.from([0.1, 1 / 3, 1e300, -5e-324]);
    expect(printFloats(doubles)).toBe(doubles.join(','));
    expect(printFloats(Float64Array.of(1, Number.NaN))).toBeUndefined();
  });
});
