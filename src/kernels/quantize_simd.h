#ifndef MRW_KERNELS_QUANTIZE_SIMD_H
#define MRW_KERNELS_QUANTIZE_SIMD_H

#include <stddef.h>

#include "simd/simd.h"

/* The steps of dynamic int8 quantization that the integer kernels share (gemm_i8.c's rows,
 * winograd_i8.c's tile patches); mrw_quantize_rows_ref is their scalar reference. */

/* The largest magnitude of x[0, n), by f32x4.pmax, which passes NaN over as the reference's
 * compare does (a maximum does not depend on the order it is taken in). */
static inline float mrw_max_abs(const float *x, size_t n) {
  size_t i = 0;
  v128_t vmax = wasm_f32x4_splat(0.0f);
  for (; i + 4 <= n; i += 4) vmax = wasm_f32x4_pmax(vmax, wasm_f32x4_abs(wasm_v128_load(x + i)));
  float lanes[4], m = 0.0f;
  wasm_v128_store(lanes, vmax);
  for (int l = 0; l < 4; l++) m = m < lanes[l] ? lanes[l] : m;
  for (; i < n; i++) {
    float a = x[i] < 0.0f ? -x[i] : x[i];
    m = m < a ? a : m;
  }
  return m;
}

/* For a row whose largest magnitude is peak: *scale = peak / 127 and the factor 127 / peak
 * that quantizes it; both 0 when peak is 0 or not finite (the row then quantizes to 0). */
static inline float mrw_quantize_factor(float peak, float *scale) {
  int usable = peak > 0.0f && peak <= 3.402823466e38f; /* > 0 and finite */
  *scale = usable ? peak / 127.0f : 0.0f;
  return usable ? 127.0f / peak : 0.0f;
}

/* x * factor rounded to nearest (ties to even), NaN to 0, as int32 lanes. No clamp is needed
 * for values of the row the factor was made for: |x| <= peak and factor = 127 / peak in
 * float, so |x * factor| < 127.5 (two roundings of at most 2^-24 each) and rounds into
 * [-127, 127], where the reference's clamp leaves it. */
static inline v128_t mrw_quantize_f32x4(v128_t x, v128_t factor) {
  return wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(x, factor)));
}

#endif
