#include "model/roi_pool.h"

#include <math.h>

#include "kernels/boxes.h"
#include "kernels/roi_align.h"

int mrw_roi_level(const float box[4]) {
  float s = sqrtf(mrw_box_area(box));
  float level = floorf(4.0f + log2f(s / 224.0f) + 1e-6f);
  if (level < 2.0f) level = 2.0f;
  if (level > 5.0f) level = 5.0f;
  return (int)level;
}

/* torchvision's infer_scale: 2 ** round(log2(feature size / image size)). */
static float level_scale(int feature_size, int image_size) {
  float approx = (float)feature_size / (float)image_size;
  return exp2f(nearbyintf(log2f(approx)));
}

typedef struct roi_job {
  const mrw_feature *levels;
  float scales[4];
  const float *boxes;
  int pooled, sampling_ratio;
  float *out;
} roi_job;

static void roi_align_one(void *ctx, size_t i, int thread) {
  (void)thread;
  const roi_job *j = ctx;
  const float *box = j->boxes + i * 4;
  int k = mrw_roi_level(box) - 2;
  const mrw_feature *f = &j->levels[k];
  size_t per_roi = (size_t)j->pooled * j->pooled * f->c;
  mrw_roi_align(f->data, f->h, f->w, f->c, j->scales[k], j->sampling_ratio, box, j->pooled,
                j->pooled, j->out + i * per_roi);
}

void mrw_multiscale_roi_align(const mrw_feature levels[MRW_FPN_LEVELS], int resized_h,
                              const float *boxes, int count, int pooled,
                              int sampling_ratio, float *out, mrw_runtime *rt) {
  roi_job job = {levels, {0}, boxes, pooled, sampling_ratio, out};
  for (int k = 0; k < 4; k++) job.scales[k] = level_scale(levels[k].h, resized_h);
  mrw_thread_pool_run(rt->pool, (size_t)count, roi_align_one, &job);
}
