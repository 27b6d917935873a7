// IEEE 754 half precision <-> JS numbers. ONNX Runtime's JS API takes float16 tensors as raw bits in
// a Uint16Array, and Node 20 has no Float16Array.

// A double's two 32-bit words; which of them holds the sign and exponent follows the byte order.
const F64 = new Float64Array(1);
const WORDS = new Uint32Array(F64.buffer);
const HIGH = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 1 : 0; // little-endian: second
const LOW = 1 - HIGH;

/**
 * Rounds a number to the nearest half (ties to even) and returns its bits; beyond the largest half,
 * ±Infinity's, as a C cast gives. Straight from the double's bits: going through FP32 first would
 * round twice, and a value just above a midpoint between halves would become the midpoint, a tie.
 */
export function toHalfBits(value: number): number {
  F64[0] = value;
  const high = WORDS[HIGH] as number;
  const low = WORDS[LOW] as number; // the low 32 of the 52 fraction bits
  const sign = (high >>> 16) & 0x8000;
  const exponent = ((high >>> 20) & 0x7ff) - 1023;
  const fraction = high & 0xfffff; // the top 20 fraction bits
  if (exponent === 1024) return sign | 0x7c00 | (fraction !== 0 || low !== 0 ? 0x200 : 0); // ±Infinity, NaN
  if (exponent > 15) return sign | 0x7c00; // 2^16 and beyond
  // The bits a half keeps: the top 10 of the fraction for a normal half; for a subnormal one (below
  // 2^-14), the significand with its leading 1 in units of 2^-24. The bits shifted out (and `low`,
  // all below them) decide the rounding.
  let shift: number;
  let kept: number;
  let base: number; // the exponent's bits
  if (exponent >= -14) {
    shift = 10;
    kept = fraction;
    base = (exponent + 15) << 10;
  } else {
    if (exponent < -25) return sign; // below half the smallest subnormal: signed zero
    shift = -4 - exponent; // 11..21
    kept = fraction | 0x100000;
    base = 0;
  }
  const half = base | (kept >>> shift);
  const rest = kept & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  // A carry out of the mantissa bumps the exponent, which is exactly right (up to Infinity).
  if (rest > halfway || (rest === halfway && (low !== 0 || (half & 1) === 1)))
    return sign | (half + 1);
  return sign | half;
}

let table: Float32Array | undefined;

/** The number a half's bits stand for (via a 64K-entry table built on first use). */
export function fromHalfBits(bits: number): number {
  table ??= buildTable();
  return table[bits & 0xffff] as number;
}

function buildTable(): Float32Array {
  const out = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    out[h] =
      exp === 0
        ? sign * mant * 2 ** -24
        : exp === 0x1f
          ? mant === 0
            ? sign * Number.POSITIVE_INFINITY
            : Number.NaN
          : sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return out;
}
