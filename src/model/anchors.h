#ifndef MRW_MODEL_ANCHORS_H
#define MRW_MODEL_ANCHORS_H

#include "model/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* torchvision's AnchorGenerator for one level: base anchors round([-w, -h, w, h] / 2) with
 * h = size * sqrt(ratio), w = size / sqrt(ratio) (round half to even, as torch.round),
 * ratio-major over the level's sizes (anchor a = ratio * sizes + size), shifted by
 * (x * stride_w, y * stride_h) where the strides are padded image size // feature size.
 * out: [feature_h][feature_w][anchors per position][4], the (y, x, anchor) order of the
 * RPN's outputs. */
void mrw_anchors_for_level(const mrw_config *config, int level, int image_h, int image_w,
                           int feature_h, int feature_w, float *out);

#ifdef __cplusplus
}
#endif

#endif
