#ifndef MRW_MODEL_ROI_POOL_H
#define MRW_MODEL_ROI_POOL_H

#include "base/status.h"
#include "model/config.h"
#include "model/feature.h"
#include "model/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* torchvision's MultiScaleRoIAlign (aligned=False) over the first level_count FPN levels
 * (all but "pool": P2..P5 for ResNet, '0' and '1' for MobileNetV3). Each level's scale is
 * inferred from its height and the resized image's, 2 ** round(log2(h / resized_h)); a box
 * goes to level floor(4 + log2(sqrt(area) / 224) + 1e-6) clamped to [k_min, k_max], where
 * k_min = -log2(scale of the first level) and k_max that of the last. boxes [count][4] in
 * resized-image coordinates; out: [count][pooled][pooled][channels]. */
void mrw_multiscale_roi_align(const mrw_feature levels[MRW_FPN_LEVELS], int level_count,
                              int resized_h, const float *boxes, int count, int pooled,
                              int sampling_ratio, float *out, mrw_runtime *rt);

/* The pyramid level torchvision's LevelMapper gives a box, clamped to [k_min, k_max]. */
int mrw_roi_level(const float box[4], int k_min, int k_max);

#ifdef __cplusplus
}
#endif

#endif
