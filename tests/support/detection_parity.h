#ifndef MRW_TESTS_DETECTION_PARITY_H
#define MRW_TESTS_DETECTION_PARITY_H

#include <array>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "support/parity_rules.h"

// One detection of a result: its label, score and x1, y1, x2, y2 box.
struct Detection {
  int label;
  double score;
  std::array<float, 4> box;
};

// Where the reference stopped keeping detections: its score threshold, or the lowest score it
// kept when it returned exactly detections_per_img of them (the cap binds).
double detection_cut(const std::vector<Detection> &reference, double score_threshold,
                     int detections_per_img);

struct DetectionPair {
  size_t reference, ours;
  double box_iou, score_diff, mask_iou;
};

struct DetectionParity {
  std::vector<DetectionPair> pairs;
  std::vector<std::string> problems;  // none when the two results agree
  double worst_box_iou = 1.0, worst_score_diff = 0.0, worst_mask_iou = 1.0;
};

// The mask IoU of reference detection i and our detection j.
using MaskIou = std::function<double(size_t reference, size_t ours)>;

// Compares our detections with the reference's by the "detections" rule of
// tests/parity_rules.json: pairs by label and best box IoU, checks each pair's score and
// mask, and lets a detection of either side go without a partner only when its score is
// within rules.score_diff_max of the cut.
DetectionParity compare_detections(const std::vector<Detection> &reference,
                                   const std::vector<Detection> &ours, double cut,
                                   const DetectionRules &rules, const MaskIou &mask_iou);

#endif
