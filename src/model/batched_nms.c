#include "model/batched_nms.h"

#include <stdlib.h>

#include "kernels/boxes.h"

#define COORDINATE_TRICK_MAX_BOXES 1000 /* torchvision: boxes.numel() > 4000 on the CPU */

static size_t nms_sorted(const float *boxes, const float *scores, const int *subset, size_t n,
                         double iou_threshold, mrw_scored *order, unsigned char *suppressed,
                         int *keep) {
  for (size_t i = 0; i < n; i++) order[i] = (mrw_scored){scores[subset[i]], subset[i]};
  mrw_scored_sort(order, n);
  return mrw_nms(boxes, order, n, iou_threshold, suppressed, keep);
}

mrw_status mrw_batched_nms(const float *boxes, const float *scores, const int *groups, size_t n,
                           double iou_threshold, int *keep, size_t *kept, mrw_error *err) {
  *kept = 0;
  if (n == 0) return MRW_OK;
  mrw_scored *order = malloc(n * sizeof *order);
  unsigned char *suppressed = malloc(n);
  int *subset = malloc(n * sizeof *subset);
  float *shifted = n <= COORDINATE_TRICK_MAX_BOXES ? malloc(n * 4 * sizeof *shifted) : NULL;
  mrw_status s = MRW_OK;
  if (!order || !suppressed || !subset || (n <= COORDINATE_TRICK_MAX_BOXES && !shifted)) {
    s = mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory in NMS");
  } else if (shifted) {
    float max_coordinate = boxes[0];
    for (size_t i = 0; i < n * 4; i++) max_coordinate = boxes[i] > max_coordinate ? boxes[i] : max_coordinate;
    for (size_t i = 0; i < n; i++) {
      float offset = (float)groups[i] * (max_coordinate + 1.0f);
      for (int k = 0; k < 4; k++) shifted[i * 4 + k] = boxes[i * 4 + k] + offset;
      subset[i] = (int)i;
    }
    *kept = nms_sorted(shifted, scores, subset, n, iou_threshold, order, suppressed, keep);
  } else {
    /* Per group, in ascending group order; then every kept box sorted by score. */
    int max_group = 0;
    for (size_t i = 0; i < n; i++) max_group = groups[i] > max_group ? groups[i] : max_group;
    for (int g = 0; g <= max_group; g++) {
      size_t count = 0;
      for (size_t i = 0; i < n; i++)
        if (groups[i] == g) subset[count++] = (int)i;
      *kept += nms_sorted(boxes, scores, subset, count, iou_threshold, order, suppressed, keep + *kept);
    }
    for (size_t i = 0; i < *kept; i++) order[i] = (mrw_scored){scores[keep[i]], keep[i]};
    mrw_scored_sort(order, *kept);
    for (size_t i = 0; i < *kept; i++) keep[i] = order[i].index;
  }
  free(order);
  free(suppressed);
  free(subset);
  free(shifted);
  return s;
}
