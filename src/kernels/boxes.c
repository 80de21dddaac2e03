#include "kernels/boxes.h"

#include <math.h>
#include <stdlib.h>

void mrw_box_decode(const float deltas[4], const float reference[4], const float weights[4],
                    float clip, float out[4]) {
  float width = reference[2] - reference[0], height = reference[3] - reference[1];
  float ctr_x = reference[0] + 0.5f * width, ctr_y = reference[1] + 0.5f * height;
  float dx = deltas[0] / weights[0], dy = deltas[1] / weights[1];
  float dw = deltas[2] / weights[2], dh = deltas[3] / weights[3];
  if (dw > clip) dw = clip;
  if (dh > clip) dh = clip;
  float pred_ctr_x = dx * width + ctr_x, pred_ctr_y = dy * height + ctr_y;
  float pred_w = expf(dw) * width, pred_h = expf(dh) * height;
  float half_w = 0.5f * pred_w, half_h = 0.5f * pred_h;
  out[0] = pred_ctr_x - half_w;
  out[1] = pred_ctr_y - half_h;
  out[2] = pred_ctr_x + half_w;
  out[3] = pred_ctr_y + half_h;
}

static float clamp(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

void mrw_box_clip(float box[4], float width, float height) {
  box[0] = clamp(box[0], 0.0f, width);
  box[1] = clamp(box[1], 0.0f, height);
  box[2] = clamp(box[2], 0.0f, width);
  box[3] = clamp(box[3], 0.0f, height);
}

int mrw_box_big_enough(const float box[4], float min_size) {
  return box[2] - box[0] >= min_size && box[3] - box[1] >= min_size;
}

float mrw_box_area(const float box[4]) { return (box[2] - box[0]) * (box[3] - box[1]); }

static int compare_scored(const void *pa, const void *pb) {
  const mrw_scored *a = pa, *b = pb;
  if (a->score > b->score) return -1;
  if (a->score < b->score) return 1;
  return (a->index > b->index) - (a->index < b->index);
}

void mrw_scored_sort(mrw_scored *items, size_t n) {
  if (n > 1) qsort(items, n, sizeof *items, compare_scored);
}

/* heap [0, size): every item comes before (is better than) its parent, so the root is the
 * last in order; restores that from position i down. */
static void sift_down(mrw_scored *heap, size_t size, size_t i) {
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= size) return;
    if (child + 1 < size && compare_scored(&heap[child + 1], &heap[child]) > 0) child++;
    if (compare_scored(&heap[child], &heap[i]) <= 0) return;
    mrw_scored t = heap[i];
    heap[i] = heap[child];
    heap[child] = t;
    i = child;
  }
}

void mrw_scored_top_k(mrw_scored *items, size_t n, size_t k) {
  if (k >= n) {
    mrw_scored_sort(items, n);
    return;
  }
  if (k == 0) return;
  for (size_t i = k / 2; i-- > 0;) sift_down(items, k, i);
  for (size_t i = k; i < n; i++)
    if (compare_scored(&items[i], &items[0]) < 0) { /* better than the worst kept */
      mrw_scored t = items[0];
      items[0] = items[i];
      items[i] = t;
      sift_down(items, k, 0);
    }
  mrw_scored_sort(items, k);
}

size_t mrw_nms(const float *boxes, const mrw_scored *order, size_t n, double iou_threshold,
               unsigned char *suppressed, int *keep) {
  for (size_t i = 0; i < n; i++) suppressed[order[i].index] = 0;
  size_t kept = 0;
  for (size_t oi = 0; oi < n; oi++) {
    int i = order[oi].index;
    if (suppressed[i]) continue;
    keep[kept++] = i;
    const float *bi = boxes + (size_t)i * 4;
    float area_i = mrw_box_area(bi);
    for (size_t oj = oi + 1; oj < n; oj++) {
      int j = order[oj].index;
      if (suppressed[j]) continue;
      const float *bj = boxes + (size_t)j * 4;
      float xx1 = fmaxf(bi[0], bj[0]), yy1 = fmaxf(bi[1], bj[1]);
      float xx2 = fminf(bi[2], bj[2]), yy2 = fminf(bi[3], bj[3]);
      float inter = fmaxf(0.0f, xx2 - xx1) * fmaxf(0.0f, yy2 - yy1);
      float iou = inter / (area_i + mrw_box_area(bj) - inter);
      if ((double)iou > iou_threshold) suppressed[j] = 1;
    }
  }
  return kept;
}
