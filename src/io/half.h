#ifndef MRW_IO_HALF_H
#define MRW_IO_HALF_H

#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* IEEE 754 binary16 -> binary32. Every half value is exactly representable as a float, so
 * the conversion is exact: subnormals become normal floats, infinities stay infinite, and
 * NaNs keep their sign and payload (made quiet, as hardware conversions do).
 *
 * half bits: [15] sign | [14:10] exponent, bias 15 | [9:0] mantissa */
static inline float mrw_half_to_float(uint16_t half) {
  uint32_t sign = (uint32_t)(half & 0x8000u) << 16;
  uint32_t exponent = (half >> 10) & 0x1Fu;
  uint32_t mantissa = half & 0x3FFu;
  uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa ? 0x00400000u | (mantissa << 13) : 0u);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112u) << 23) | (mantissa << 13); /* rebias 15 -> 127 */
  } else {
    /* zero or subnormal: mantissa * 2^-24, exact in float (a power-of-two scaling) */
    float magnitude = (float)mantissa * 0x1p-24f;
    memcpy(&bits, &magnitude, sizeof bits);
    bits |= sign;
  }
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

#ifdef __cplusplus
}
#endif

#endif
