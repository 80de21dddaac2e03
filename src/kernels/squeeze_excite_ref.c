#include "kernels/activation.h"
#include "kernels/squeeze_excite.h"

// Scalar references of the squeeze-excitation steps; layouts as in squeeze_excite.h.

// x: [pixels, C] -> mean: [C]
void mrw_global_avg_pool_ref(const float *x, size_t pixels, int channels, float *mean) {
  for (int ch = 0; ch < channels; ch++) {
    float acc = 0.0f;
    for (size_t p = 0; p < pixels; p++) acc += x[p * channels + ch];
    mean[ch] = acc / (float)pixels;
  }
}

// mean: [C]; w1: [S, C]; w2: [C, S]; hidden: [S]; scale: [C]. Sums in index order.
void mrw_excite_scale_ref(const float *mean, int channels, int squeeze, const float *w1,
                          const float *b1, const float *w2, const float *b2, float *hidden,
                          float *scale) {
  for (int s = 0; s < squeeze; s++) {
    float v = b1[s];
    for (int c = 0; c < channels; c++) v += w1[(size_t)s * channels + c] * mean[c];
    hidden[s] = v < 0.0f ? 0.0f : v;
  }
  for (int c = 0; c < channels; c++) {
    float v = b2[c];
    for (int s = 0; s < squeeze; s++) v += w2[(size_t)c * squeeze + s] * hidden[s];
    scale[c] = mrw_hardsigmoid(v);
  }
}

// x: [pixels, C] channels-last, in place.
void mrw_channel_scale_ref(float *x, size_t pixels, int channels, const float *scale) {
  for (size_t p = 0; p < pixels; p++)
    for (int ch = 0; ch < channels; ch++) x[p * channels + ch] *= scale[ch];
}
