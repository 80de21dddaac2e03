#include "model/roi_pool.h"

#include <math.h>

#include "kernels/boxes.h"
#include "kernels/roi_align.h"

/* torchvision's LevelMapper (FPN paper, eq. 1): a box of canonical_scale (224) pixels on a side
 * goes to canonical_level (4); eps (1e-6) keeps exact powers of two from rounding down. */
#define CANONICAL_LEVEL 4.0f
#define CANONICAL_SCALE 224.0f
#define LEVEL_EPS 1e-6f

int mrw_roi_level(const float box[4], int k_min, int k_max) {
  float s = sqrtf(mrw_box_area(box));
  float level = floorf(CANONICAL_LEVEL + log2f(s / CANONICAL_SCALE) + LEVEL_EPS);
  if (level < (float)k_min) level = (float)k_min;
  if (level > (float)k_max) level = (float)k_max;
  return (int)level;
}

/* torchvision's infer_scale: 2 ** round(log2(feature size / image size)). */
static float level_scale(int feature_size, int image_size) {
  float approx = (float)feature_size / (float)image_size;
  return exp2f(nearbyintf(log2f(approx)));
}

typedef struct roi_job {
  const mrw_feature *levels;
  float scales[MRW_FPN_LEVELS];
  int k_min, k_max;
  const float *boxes;
  int pooled, sampling_ratio;
  float *out;
} roi_job;

static void roi_align_one(void *ctx, size_t i, int thread) {
  (void)thread;
  const roi_job *j = ctx;
  const float *box = j->boxes + i * 4;
  int k = mrw_roi_level(box, j->k_min, j->k_max) - j->k_min;
  const mrw_feature *f = &j->levels[k];
  size_t per_roi = (size_t)j->pooled * j->pooled * f->c;
  mrw_roi_align(f->data, f->h, f->w, f->c, j->scales[k], j->sampling_ratio, box, j->pooled,
                j->pooled, j->out + i * per_roi);
}

void mrw_multiscale_roi_align(const mrw_feature levels[MRW_FPN_LEVELS], int level_count,
                              int resized_h, const float *boxes, int count, int pooled,
                              int sampling_ratio, float *out, mrw_runtime *rt) {
  roi_job job = {levels, {0}, 0, 0, boxes, pooled, sampling_ratio, out};
  for (int k = 0; k < level_count; k++) job.scales[k] = level_scale(levels[k].h, resized_h);
  /* (int)(-log2(scale)): the scales are exact powers of two */
  job.k_min = (int)-log2f(job.scales[0]);
  job.k_max = (int)-log2f(job.scales[level_count - 1]);
  mrw_thread_pool_run(rt->pool, (size_t)count, roi_align_one, &job);
}
