#ifndef MRW_TESTS_MATCHING_H
#define MRW_TESTS_MATCHING_H

#include <algorithm>
#include <cstdint>
#include <vector>

// Intersection over union of two x1, y1, x2, y2 boxes.
inline double box_iou(const float *a, const float *b) {
  double ix = std::max(0.0, double(std::min(a[2], b[2])) - std::max(a[0], b[0]));
  double iy = std::max(0.0, double(std::min(a[3], b[3])) - std::max(a[1], b[1]));
  double inter = ix * iy;
  double uni = double(a[2] - a[0]) * (a[3] - a[1]) + double(b[2] - b[0]) * (b[3] - b[1]) - inter;
  return uni > 0 ? inter / uni : (inter == 0 && a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3]);
}

// Intersection over union of two binary masks of the same size (1 when both are empty).
inline double mask_iou(const uint8_t *a, const uint8_t *b, size_t n) {
  size_t inter = 0, uni = 0;
  for (size_t i = 0; i < n; i++) {
    inter += a[i] && b[i];
    uni += a[i] || b[i];
  }
  return uni ? double(inter) / uni : 1.0;
}

#endif
