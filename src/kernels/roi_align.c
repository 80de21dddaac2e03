#include "kernels/roi_align.h"

#include <math.h>
#include <stddef.h>

#include "kernels/roi_align_sample.h"
#include "simd/simd.h"

// features: [h][w][c], out: [pooled_h][pooled_w][c]. Per bin, the samples' four corner
// vectors are blended with SIMD over channels; per channel the sum runs in torchvision's
// order: out = sum over samples of (w1*v1 + w2*v2 + w3*v3 + w4*v4), then / count.
void mrw_roi_align(const float *features, int h, int w, int c, float spatial_scale,
                   int sampling_ratio, const float box[4], int pooled_h, int pooled_w, float *out) {
  mrw_roi_grid g = mrw_roi_grid_of(box, spatial_scale, sampling_ratio, pooled_h, pooled_w);
  v128_t count = wasm_f32x4_splat(g.count);
  for (int ph = 0; ph < pooled_h; ph++) {
    for (int pw = 0; pw < pooled_w; pw++) {
      float *o = out + ((size_t)ph * pooled_w + pw) * c;
      int ch = 0;
      for (; ch + 4 <= c; ch += 4) {
        v128_t acc = wasm_f32x4_splat(0.0f);
        for (int iy = 0; iy < g.grid_h; iy++) {
          float y = mrw_roi_sample_y(&g, ph, iy);
          for (int ix = 0; ix < g.grid_w; ix++) {
            mrw_roi_sample s = mrw_roi_sample_at(y, mrw_roi_sample_x(&g, pw, ix), h, w);
            v128_t t = wasm_f32x4_add(
                wasm_f32x4_mul(wasm_f32x4_splat(s.w1), wasm_v128_load(features + (size_t)s.p1 * c + ch)),
                wasm_f32x4_mul(wasm_f32x4_splat(s.w2), wasm_v128_load(features + (size_t)s.p2 * c + ch)));
            t = wasm_f32x4_add(t, wasm_f32x4_mul(wasm_f32x4_splat(s.w3), wasm_v128_load(features + (size_t)s.p3 * c + ch)));
            t = wasm_f32x4_add(t, wasm_f32x4_mul(wasm_f32x4_splat(s.w4), wasm_v128_load(features + (size_t)s.p4 * c + ch)));
            acc = wasm_f32x4_add(acc, t);
          }
        }
        wasm_v128_store(o + ch, wasm_f32x4_div(acc, count));
      }
      for (; ch < c; ch++) {
        float acc = 0.0f;
        for (int iy = 0; iy < g.grid_h; iy++) {
          float y = mrw_roi_sample_y(&g, ph, iy);
          for (int ix = 0; ix < g.grid_w; ix++) {
            mrw_roi_sample s = mrw_roi_sample_at(y, mrw_roi_sample_x(&g, pw, ix), h, w);
            acc += s.w1 * features[(size_t)s.p1 * c + ch] + s.w2 * features[(size_t)s.p2 * c + ch] +
                   s.w3 * features[(size_t)s.p3 * c + ch] + s.w4 * features[(size_t)s.p4 * c + ch];
          }
        }
        o[ch] = acc / g.count;
      }
    }
  }
}
