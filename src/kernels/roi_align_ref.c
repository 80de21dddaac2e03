#include <math.h>
#include <stddef.h>

#include "kernels/roi_align.h"
#include "kernels/roi_align_sample.h"

// Scalar reference of mrw_roi_align: channel by channel, as torchvision's CPU loop runs.
void mrw_roi_align_ref(const float *features, int h, int w, int c, float spatial_scale,
                       int sampling_ratio, const float box[4], int pooled_h, int pooled_w,
                       float *out) {
  mrw_roi_grid g = mrw_roi_grid_of(box, spatial_scale, sampling_ratio, pooled_h, pooled_w);
  for (int ch = 0; ch < c; ch++)
    for (int ph = 0; ph < pooled_h; ph++)
      for (int pw = 0; pw < pooled_w; pw++) {
        float acc = 0.0f;
        for (int iy = 0; iy < g.grid_h; iy++)
          for (int ix = 0; ix < g.grid_w; ix++) {
            mrw_roi_sample s = mrw_roi_sample_at(mrw_roi_sample_y(&g, ph, iy),
                                                 mrw_roi_sample_x(&g, pw, ix), h, w);
            acc += s.w1 * features[(size_t)s.p1 * c + ch] + s.w2 * features[(size_t)s.p2 * c + ch] +
                   s.w3 * features[(size_t)s.p3 * c + ch] + s.w4 * features[(size_t)s.p4 * c + ch];
          }
        out[((size_t)ph * pooled_w + pw) * c + ch] = acc / g.count;
      }
}
