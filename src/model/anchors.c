#include "model/anchors.h"

#include <math.h>
#include <stddef.h>

void mrw_anchors_for_level(const mrw_config *config, int level, int image_h, int image_w,
                           int feature_h, int feature_w, float *out) {
  float base[MRW_MAX_RATIOS * MRW_MAX_ANCHOR_SIZES][4];
  int sizes = config->anchor_sizes_per_level, count = mrw_anchors_per_position(config);
  for (int r = 0; r < config->aspect_ratio_count; r++) {
    float h_ratio = sqrtf(config->aspect_ratios[r]);
    float w_ratio = 1.0f / h_ratio;
    for (int i = 0; i < sizes; i++) {
      float size = (float)config->anchor_sizes[level][i];
      float ws = w_ratio * size, hs = h_ratio * size, *b = base[r * sizes + i];
      b[0] = nearbyintf(-ws / 2.0f);
      b[1] = nearbyintf(-hs / 2.0f);
      b[2] = nearbyintf(ws / 2.0f);
      b[3] = nearbyintf(hs / 2.0f);
    }
  }
  int stride_h = image_h / feature_h, stride_w = image_w / feature_w;
  for (int y = 0; y < feature_h; y++)
    for (int x = 0; x < feature_w; x++)
      for (int a = 0; a < count; a++) {
        float sx = (float)(x * stride_w), sy = (float)(y * stride_h);
        float *o = out + (((size_t)y * feature_w + x) * count + a) * 4;
        o[0] = sx + base[a][0];
        o[1] = sy + base[a][1];
        o[2] = sx + base[a][2];
        o[3] = sy + base[a][3];
      }
}
