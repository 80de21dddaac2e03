#include "kernels/roi_align.h"

#include <math.h>
#include <stddef.h>

#include "kernels/roi_align_sample.h"
#include "simd/simd.h"

/* o[ch] += w1*v1 + w2*v2 + w3*v3 + w4*v4 over all channels, in that order of operations. */
static void accumulate_sample(const float *features, int c, mrw_roi_sample s, float *o) {
  const float *v1 = features + (size_t)s.p1 * c, *v2 = features + (size_t)s.p2 * c;
  const float *v3 = features + (size_t)s.p3 * c, *v4 = features + (size_t)s.p4 * c;
  v128_t w1 = wasm_f32x4_splat(s.w1), w2 = wasm_f32x4_splat(s.w2);
  v128_t w3 = wasm_f32x4_splat(s.w3), w4 = wasm_f32x4_splat(s.w4);
  int ch = 0;
  for (; ch + 4 <= c; ch += 4) {
    v128_t t = wasm_f32x4_add(wasm_f32x4_mul(w1, wasm_v128_load(v1 + ch)),
                              wasm_f32x4_mul(w2, wasm_v128_load(v2 + ch)));
    t = wasm_f32x4_add(t, wasm_f32x4_mul(w3, wasm_v128_load(v3 + ch)));
    t = wasm_f32x4_add(t, wasm_f32x4_mul(w4, wasm_v128_load(v4 + ch)));
    wasm_v128_store(o + ch, wasm_f32x4_add(wasm_v128_load(o + ch), t));
  }
  for (; ch < c; ch++) o[ch] += s.w1 * v1[ch] + s.w2 * v2[ch] + s.w3 * v3[ch] + s.w4 * v4[ch];
}

// features: [h][w][c], out: [pooled_h][pooled_w][c]. Each sample's position and weights are
// computed once per bin; its four corner vectors are blended with SIMD over channels and
// added into the output bin, so per channel the sum runs in torchvision's order:
// out = (0 + sample 0 + sample 1 + ...) / count, each sample w1*v1 + w2*v2 + w3*v3 + w4*v4.
void mrw_roi_align(const float *features, int h, int w, int c, float spatial_scale,
                   int sampling_ratio, const float box[4], int pooled_h, int pooled_w, float *out) {
  mrw_roi_grid g = mrw_roi_grid_of(box, spatial_scale, sampling_ratio, pooled_h, pooled_w);
  v128_t count = wasm_f32x4_splat(g.count);
  for (int ph = 0; ph < pooled_h; ph++) {
    for (int pw = 0; pw < pooled_w; pw++) {
      float *o = out + ((size_t)ph * pooled_w + pw) * c;
      for (int ch = 0; ch < c; ch++) o[ch] = 0.0f;
      for (int iy = 0; iy < g.grid_h; iy++) {
        float y = mrw_roi_sample_y(&g, ph, iy);
        for (int ix = 0; ix < g.grid_w; ix++)
          accumulate_sample(features, c, mrw_roi_sample_at(y, mrw_roi_sample_x(&g, pw, ix), h, w), o);
      }
      int ch = 0;
      for (; ch + 4 <= c; ch += 4) wasm_v128_store(o + ch, wasm_f32x4_div(wasm_v128_load(o + ch), count));
      for (; ch < c; ch++) o[ch] /= g.count;
    }
  }
}
