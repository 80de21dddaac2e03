#ifndef MRW_MODEL_ROI_POOL_H
#define MRW_MODEL_ROI_POOL_H

#include "base/status.h"
#include "model/config.h"
#include "model/feature.h"
#include "model/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* torchvision's MultiScaleRoIAlign over P2..P5 (aligned=False): each box goes to level
 * floor(4 + log2(sqrt(area) / 224) + 1e-6) clamped to [2, 5], whose scale is inferred from
 * the feature and image sizes. boxes [count][4] in resized-image coordinates;
 * out: [count][pooled][pooled][channels]. */
void mrw_multiscale_roi_align(const mrw_feature levels[MRW_FPN_LEVELS], int resized_h,
                              const float *boxes, int count, int pooled,
                              int sampling_ratio, float *out, mrw_runtime *rt);

/* The pyramid level (2..5) torchvision's LevelMapper gives a box. */
int mrw_roi_level(const float box[4]);

#ifdef __cplusplus
}
#endif

#endif
