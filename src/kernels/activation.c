#include "kernels/activation.h"

#include "simd/simd.h"

// x: count floats, in place; four lanes at a time, the tail by the scalar form.
void mrw_activate_array(mrw_activation a, float *x, size_t count) {
  if (a == MRW_ACTIVATION_NONE) return;
  const v128_t zero = wasm_f32x4_splat(0.0f), three = wasm_f32x4_splat(3.0f),
               six = wasm_f32x4_splat(6.0f);
  size_t i = 0;
  if (a == MRW_ACTIVATION_RELU) {
    for (; i + 4 <= count; i += 4) wasm_v128_store(x + i, wasm_f32x4_pmax(zero, wasm_v128_load(x + i)));
  } else {
    for (; i + 4 <= count; i += 4) {
      v128_t v = wasm_v128_load(x + i);
      v128_t t = wasm_f32x4_pmin(six, wasm_f32x4_pmax(zero, wasm_f32x4_add(v, three)));
      wasm_v128_store(x + i, wasm_f32x4_div(wasm_f32x4_mul(v, t), six));
    }
  }
  for (; i < count; i++) x[i] = mrw_activate(a, x[i]);
}
