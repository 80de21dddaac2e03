#include "support/detection_parity.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "support/matching.h"

double detection_cut(const std::vector<Detection> &reference, double score_threshold,
                     int detections_per_img) {
  if (reference.empty() || reference.size() != size_t(detections_per_img)) return score_threshold;
  double lowest = reference[0].score;
  for (const Detection &d : reference) lowest = std::min(lowest, d.score);
  return lowest;
}

namespace {

std::string describe(const char *side, size_t i, const Detection &d) {
  std::ostringstream s;
  s << side << " detection " << i << " (label " << d.label << ", score " << d.score << ", box "
    << d.box[0] << ", " << d.box[1] << ", " << d.box[2] << ", " << d.box[3] << ")";
  return s.str();
}

}  // namespace

DetectionParity compare_detections(const std::vector<Detection> &reference,
                                   const std::vector<Detection> &ours, double cut,
                                   const DetectionRules &rules, const MaskIou &mask_iou) {
  DetectionParity r;
  auto near_cut = [&](double score) { return std::fabs(score - cut) <= rules.score_diff_max; };
  auto unpaired = [&](const char *side, size_t i, const Detection &d) {
    if (near_cut(d.score)) return;
    std::ostringstream s;
    s << describe(side, i, d) << " has no partner, and its score is not within "
      << rules.score_diff_max << " of the cut " << cut;
    r.problems.push_back(s.str());
  };
  std::vector<bool> taken(ours.size(), false);
  for (size_t i = 0; i < reference.size(); i++) {
    const Detection &ref = reference[i];
    size_t best = ours.size();
    double best_iou = 0.0;
    for (size_t j = 0; j < ours.size(); j++) {
      if (taken[j] || ours[j].label != ref.label) continue;
      double iou = box_iou(ref.box.data(), ours[j].box.data());
      if (iou >= rules.box_iou_min && (best == ours.size() || iou > best_iou)) best = j, best_iou = iou;
    }
    if (best == ours.size()) {
      unpaired("reference", i, ref);
      continue;
    }
    taken[best] = true;
    DetectionPair p{i, best, best_iou, std::fabs(ours[best].score - ref.score), mask_iou(i, best)};
    r.pairs.push_back(p);
    r.worst_box_iou = std::min(r.worst_box_iou, p.box_iou);
    r.worst_score_diff = std::max(r.worst_score_diff, p.score_diff);
    r.worst_mask_iou = std::min(r.worst_mask_iou, p.mask_iou);
    std::ostringstream s;
    if (!(p.score_diff <= rules.score_diff_max))
      s << "; score " << ours[best].score << " differs by more than " << rules.score_diff_max;
    if (!(p.mask_iou >= rules.mask_iou_min))
      s << "; mask IoU " << p.mask_iou << " is below " << rules.mask_iou_min;
    if (!s.str().empty())
      r.problems.push_back(describe("reference", i, ref) + " and our detection " +
                           std::to_string(best) + ": " + s.str().substr(2));
  }
  for (size_t j = 0; j < ours.size(); j++)
    if (!taken[j]) unpaired("our", j, ours[j]);
  return r;
}
