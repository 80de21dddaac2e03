#ifndef MRW_KERNELS_BOXES_H
#define MRW_KERNELS_BOXES_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Boxes are float[4]: x1, y1, x2, y2, in pixels; widths are x2 - x1 (no +1). Every function
 * computes in float in torchvision's order of operations. */

/* torchvision's BoxCoder clamps the width and height deltas at bbox_xform_clip =
 * log(1000 / 16) before exponentiating them, so no box grows more than 62.5 times. */
#define MRW_BOX_XFORM_CLIP_RATIO (1000.0 / 16.0)

/* torchvision's BoxCoder.decode_single for one box: deltas (dx, dy, dw, dh) divided by
 * weights, dw and dh clamped at clip, applied to the reference box. */
void mrw_box_decode(const float deltas[4], const float reference[4], const float weights[4],
                    float clip, float out[4]);

/* Clamps x into [0, width] and y into [0, height]. */
void mrw_box_clip(float box[4], float width, float height);

/* x2 - x1 >= min_size and y2 - y1 >= min_size. */
int mrw_box_big_enough(const float box[4], float min_size);

float mrw_box_area(const float box[4]);

/* An index with its score, for sorting candidates. */
typedef struct mrw_scored {
  float score;
  int index;
} mrw_scored;

/* Sorts by score descending, ties by index ascending. */
void mrw_scored_sort(mrw_scored *items, size_t n);

/* The first min(k, n) items of that order, in that order, moved to items[0, k); the rest are
 * left in no particular order. The same items as mrw_scored_sort's first k (the order is
 * total: no two items share an index), found through a heap of k items in one pass, which
 * costs about n comparisons when k is small next to n. */
void mrw_scored_top_k(mrw_scored *items, size_t n, size_t k);

/* Greedy non-maximum suppression as torchvision's CPU kernel: candidates in `order` (sorted
 * by score descending) index into boxes [n][4]; a box is dropped when its IoU with a kept
 * box exceeds iou_threshold (compared in double, as torchvision does). suppressed is caller
 * scratch of max_index + 1 bytes. Writes the kept indices, best first, and returns their
 * count. */
size_t mrw_nms(const float *boxes, const mrw_scored *order, size_t n, double iou_threshold,
               unsigned char *suppressed, int *keep);

#ifdef __cplusplus
}
#endif

#endif
