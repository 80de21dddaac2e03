#ifndef MRW_KERNELS_ROI_ALIGN_SAMPLE_H
#define MRW_KERNELS_ROI_ALIGN_SAMPLE_H

/* The geometry RoIAlign shares between its SIMD kernel and its scalar reference. */

#include <math.h>

/* The bin grid of one box, as torchvision computes it (aligned=False). */
typedef struct mrw_roi_grid {
  float start_h, start_w, bin_h, bin_w;
  int grid_h, grid_w;
  float count;
} mrw_roi_grid;

static inline mrw_roi_grid mrw_roi_grid_of(const float box[4], float spatial_scale,
                                           int sampling_ratio, int pooled_h, int pooled_w) {
  mrw_roi_grid g;
  g.start_w = box[0] * spatial_scale;
  g.start_h = box[1] * spatial_scale;
  float roi_w = box[2] * spatial_scale - g.start_w;
  float roi_h = box[3] * spatial_scale - g.start_h;
  if (roi_w < 1.0f) roi_w = 1.0f; /* aligned=False forces at least one pixel */
  if (roi_h < 1.0f) roi_h = 1.0f;
  g.bin_h = roi_h / (float)pooled_h;
  g.bin_w = roi_w / (float)pooled_w;
  g.grid_h = sampling_ratio > 0 ? sampling_ratio : (int)ceilf(roi_h / (float)pooled_h);
  g.grid_w = sampling_ratio > 0 ? sampling_ratio : (int)ceilf(roi_w / (float)pooled_w);
  int n = g.grid_h * g.grid_w;
  g.count = (float)(n > 1 ? n : 1);
  return g;
}

/* One bilinear sample: four source pixels (offsets in pixels) and their weights; a sample
 * outside the map has zero weights. */
typedef struct mrw_roi_sample {
  int p1, p2, p3, p4;
  float w1, w2, w3, w4;
} mrw_roi_sample;

static inline mrw_roi_sample mrw_roi_sample_at(float y, float x, int h, int w) {
  mrw_roi_sample s = {0, 0, 0, 0, 0.0f, 0.0f, 0.0f, 0.0f};
  if (y < -1.0f || y > (float)h || x < -1.0f || x > (float)w) return s;
  if (y <= 0.0f) y = 0.0f;
  if (x <= 0.0f) x = 0.0f;
  int y_low = (int)y, x_low = (int)x, y_high, x_high;
  if (y_low >= h - 1) {
    y_high = y_low = h - 1;
    y = (float)y_low;
  } else {
    y_high = y_low + 1;
  }
  if (x_low >= w - 1) {
    x_high = x_low = w - 1;
    x = (float)x_low;
  } else {
    x_high = x_low + 1;
  }
  float ly = y - (float)y_low, lx = x - (float)x_low;
  float hy = 1.0f - ly, hx = 1.0f - lx;
  s.p1 = y_low * w + x_low;
  s.p2 = y_low * w + x_high;
  s.p3 = y_high * w + x_low;
  s.p4 = y_high * w + x_high;
  s.w1 = hy * hx, s.w2 = hy * lx, s.w3 = ly * hx, s.w4 = ly * lx;
  return s;
}

/* The sample point (iy, ix) of bin (ph, pw), in torchvision's order of float operations. */
static inline float mrw_roi_sample_y(const mrw_roi_grid *g, int ph, int iy) {
  return g->start_h + (float)ph * g->bin_h + ((float)iy + 0.5f) * g->bin_h / (float)g->grid_h;
}
static inline float mrw_roi_sample_x(const mrw_roi_grid *g, int pw, int ix) {
  return g->start_w + (float)pw * g->bin_w + ((float)ix + 0.5f) * g->bin_w / (float)g->grid_w;
}

#endif
