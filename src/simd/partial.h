#ifndef MRW_SIMD_PARTIAL_H
#define MRW_SIMD_PARTIAL_H

#include <stddef.h>
#include <string.h>

#include "simd/simd.h"

/* Loads and stores of up to 4 floats, for channel counts that are not a multiple of 4: past
 * `width` a load's lanes are zero and a store leaves memory alone. */
static inline v128_t mrw_load_f32_partial(const float *p, size_t width) {
  if (width == 4) return wasm_v128_load(p);
  float b[4] = {0};
  memcpy(b, p, width * sizeof(float));
  return wasm_v128_load(b);
}

static inline void mrw_store_f32_partial(float *p, v128_t v, size_t width) {
  if (width == 4) {
    wasm_v128_store(p, v);
    return;
  }
  float b[4];
  wasm_v128_store(b, v);
  memcpy(p, b, width * sizeof(float));
}

#endif
