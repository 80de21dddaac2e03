// float32 -> float16 bits, rounding to nearest with ties to even, as numpy's astype(float16):
// subnormal halves below 2^-14, infinity from 65520 up (the midpoint between 65504, the largest
// half, and 2^16, which rounds to the even side: infinity).

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

function roundHalfEven(q) {
  const r = Math.floor(q);
  const d = q - r;
  return d > 0.5 || (d === 0.5 && r % 2 === 1) ? r + 1 : r;
}

/** The float16 bit pattern of a float32 value. */
export function float16Bits(value) {
  F32[0] = value;
  const bits = U32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const a = Math.abs(F32[0]);
  if (exponent === 0xff) {
    // NaN keeps the top of its payload and stays a NaN; infinity stays infinity
    const payload = (bits & 0x7fffff) >>> 13;
    return sign | 0x7c00 | ((bits & 0x7fffff) !== 0 ? payload || 1 : 0);
  }
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // 1024 lands on the smallest normal
  const e = exponent - 127; // a = m * 2^e, m in [1, 2)
  const q = roundHalfEven((a * 2 ** -e) * 1024); // 1024..2048; 2048 carries into the exponent
  return sign | (((e + 15) << 10) + (q - 1024));
}

/** float32 values to float16 bits. */
export function toFloat16Bits(values) {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float16Bits(values[i]);
  return out;
}

/** The float value of float16 bits (exact). */
export function float16Value(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}
