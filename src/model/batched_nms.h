#ifndef MRW_MODEL_BATCHED_NMS_H
#define MRW_MODEL_BATCHED_NMS_H

#include <stddef.h>

#include "base/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* torchvision.ops.batched_nms: NMS within each group (an RPN level, a class). Like
 * torchvision on the CPU it takes one of two paths by size: above 1000 boxes, NMS per group
 * then all kept sorted by score; otherwise boxes shifted apart by group * (max coordinate + 1)
 * and one NMS (the shift changes float rounding, so the path matters for exactness).
 * boxes [n][4], scores [n], groups [n]. Writes kept indices, best first, to keep; returns
 * the count in *kept. */
mrw_status mrw_batched_nms(const float *boxes, const float *scores, const int *groups, size_t n,
                           double iou_threshold, int *keep, size_t *kept, mrw_error *err);

#ifdef __cplusplus
}
#endif

#endif
