#include "kernels/squeeze_excite.h"

#include "kernels/activation.h"
#include "simd/simd.h"

// x: [pixels, C] -> mean: [C]; SIMD over channels, each channel summed in pixel order.
void mrw_global_avg_pool(const float *x, size_t pixels, int channels, float *mean) {
  int ch = 0;
  const v128_t n = wasm_f32x4_splat((float)pixels);
  for (; ch + 4 <= channels; ch += 4) {
    v128_t acc = wasm_f32x4_splat(0.0f);
    for (size_t p = 0; p < pixels; p++)
      acc = wasm_f32x4_add(acc, wasm_v128_load(x + p * channels + ch));
    wasm_v128_store(mean + ch, wasm_f32x4_div(acc, n));
  }
  for (; ch < channels; ch++) {
    float acc = 0.0f;
    for (size_t p = 0; p < pixels; p++) acc += x[p * channels + ch];
    mean[ch] = acc / (float)pixels;
  }
}

// Dot product of two n-vectors in four interleaved partial sums, then the tail.
static float dot(const float *a, const float *b, int n) {
  v128_t acc = wasm_f32x4_splat(0.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4)
    acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  float sum = (wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1)) +
              (wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3));
  for (; i < n; i++) sum += a[i] * b[i];
  return sum;
}

// mean: [C]; w1: [S, C]; w2: [C, S]; hidden: [S]; scale: [C].
void mrw_excite_scale(const float *mean, int channels, int squeeze, const float *w1,
                      const float *b1, const float *w2, const float *b2, float *hidden,
                      float *scale) {
  for (int s = 0; s < squeeze; s++) {
    float v = b1[s] + dot(w1 + (size_t)s * channels, mean, channels);
    hidden[s] = v < 0.0f ? 0.0f : v;
  }
  for (int c = 0; c < channels; c++)
    scale[c] = mrw_hardsigmoid(b2[c] + dot(w2 + (size_t)c * squeeze, hidden, squeeze));
}

// x: [pixels, C] channels-last, scaled in place by scale: [C].
void mrw_channel_scale(float *x, size_t pixels, int channels, const float *scale) {
  for (size_t p = 0; p < pixels; p++) {
    float *row = x + p * channels;
    int ch = 0;
    for (; ch + 4 <= channels; ch += 4)
      wasm_v128_store(row + ch, wasm_f32x4_mul(wasm_v128_load(scale + ch), wasm_v128_load(row + ch)));
    for (; ch < channels; ch++) row[ch] = scale[ch] * row[ch];
  }
}
