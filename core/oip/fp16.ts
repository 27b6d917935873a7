// IEEE 754 half precision <-> JS numbers. ONNX Runtime's JS API takes float16 tensors as raw bits in
// a Uint16Array, and Node 20 has no Float16Array.

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Rounds a number to the nearest half (ties to even) and returns its bits. */
export function toHalfBits(value: number): number {
  F32[0] = value;
  const x = U32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0); // Infinity, NaN
  const e = exp - 112; // float32 bias 127, half bias 15
  if (e >= 0x1f) return sign | 0x7c00; // too large: Infinity, as a C cast does
  if (e <= 0) {
    if (e < -10) return sign; // below half's smallest subnormal: signed zero
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const tie = 1 << (shift - 1);
    if (rest > tie || (rest === tie && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, which is exactly right (up to Infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
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
