// The detection matcher of the end-to-end parity tests (tests/support/detection_parity.cc),
// on hand-made detection lists.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/detection_parity.h"

namespace {

// Rules of these tests (not the project's): box IoU >= 0.9, scores within 0.01, mask IoU >= 0.8.
const DetectionRules kRules{0.9, 0.01, 0.8};
const double kThreshold = 0.05;

Detection at(int label, double score, float x, float y) { return {label, score, {x, y, x + 10, y + 10}}; }

// Masks that agree perfectly.
double same_masks(size_t, size_t) { return 1.0; }

DetectionParity compare(const std::vector<Detection> &reference, const std::vector<Detection> &ours,
                        double cut = kThreshold) {
  return compare_detections(reference, ours, cut, kRules, same_masks);
}

std::string problems(const DetectionParity &p) {
  std::string s;
  for (const std::string &line : p.problems) s += line + "\n";
  return s;
}

const std::vector<Detection> kReference = {at(1, 0.9, 0, 0), at(2, 0.7, 20, 0), at(1, 0.4, 40, 0)};

TEST(DetectionMatching, PerfectMatchPassesInAnyOrder) {
  // ours: the reference's detections, listed in another order, one box moved by a tenth of a
  // pixel (IoU 0.98) and one score off by 0.005
  std::vector<Detection> ours = {at(1, 0.4, 40, 0), at(1, 0.905, 0, 0.1f), at(2, 0.7, 20, 0)};
  DetectionParity p = compare(kReference, ours);
  EXPECT_TRUE(p.problems.empty()) << problems(p);
  ASSERT_EQ(p.pairs.size(), 3u);
  EXPECT_EQ(p.pairs[0].ours, 1u);
  EXPECT_EQ(p.pairs[1].ours, 2u);
  EXPECT_EQ(p.pairs[2].ours, 0u);
  EXPECT_NEAR(p.worst_box_iou, 99.0 / 101.0, 1e-6);
  EXPECT_NEAR(p.worst_score_diff, 0.005, 1e-9);
  EXPECT_EQ(p.worst_mask_iou, 1.0);
}

TEST(DetectionMatching, MissingStrongDetectionFails) {
  DetectionParity p = compare(kReference, {kReference[0], kReference[2]});
  ASSERT_EQ(p.problems.size(), 1u) << problems(p);
  EXPECT_NE(p.problems[0].find("reference detection 1"), std::string::npos) << p.problems[0];
}

TEST(DetectionMatching, MissingDetectionNearTheCutPasses) {
  std::vector<Detection> reference = kReference;
  reference.push_back(at(2, kThreshold + 0.009, 60, 0));
  DetectionParity p = compare(reference, kReference);
  EXPECT_TRUE(p.problems.empty()) << problems(p);
  EXPECT_EQ(p.pairs.size(), 3u);
}

TEST(DetectionMatching, MissingDetectionJustBeyondTheToleranceFails) {
  std::vector<Detection> reference = kReference;
  reference.push_back(at(2, kThreshold + 0.011, 60, 0));
  EXPECT_EQ(compare(reference, kReference).problems.size(), 1u);
}

TEST(DetectionMatching, ExtraStrongDetectionOfOursFails) {
  std::vector<Detection> ours = kReference;
  ours.push_back(at(3, 0.6, 60, 0));
  DetectionParity p = compare(kReference, ours);
  ASSERT_EQ(p.problems.size(), 1u) << problems(p);
  EXPECT_NE(p.problems[0].find("our detection 3"), std::string::npos) << p.problems[0];
}

TEST(DetectionMatching, ExtraDetectionOfOursNearTheCutPasses) {
  std::vector<Detection> ours = kReference;
  ours.push_back(at(3, kThreshold + 0.002, 60, 0));
  DetectionParity p = compare(kReference, ours);
  EXPECT_TRUE(p.problems.empty()) << problems(p);
}

TEST(DetectionMatching, LabelMismatchFails) {
  std::vector<Detection> ours = kReference;
  ours[1].label = 3;
  DetectionParity p = compare(kReference, ours);
  // torchvision's detection 1 has no partner, and our detection 1 has none either
  EXPECT_EQ(p.problems.size(), 2u) << problems(p);
  EXPECT_EQ(p.pairs.size(), 2u);
}

TEST(DetectionMatching, BoxBelowTheIouMinimumFails) {
  std::vector<Detection> ours = kReference;
  ours[0].box[0] += 1.0f;  // a box of 9 x 9.9 inside the reference's 10 x 10: IoU 0.891
  ours[0].box[1] += 0.1f;
  DetectionParity p = compare(kReference, ours);
  EXPECT_EQ(p.problems.size(), 2u) << problems(p);
}

TEST(DetectionMatching, ScoreDifferenceBeyondTheToleranceFails) {
  std::vector<Detection> ours = kReference;
  ours[1].score += 0.02;
  DetectionParity p = compare(kReference, ours);
  ASSERT_EQ(p.problems.size(), 1u) << problems(p);
  EXPECT_NE(p.problems[0].find("score 0.72 differs"), std::string::npos) << p.problems[0];
  EXPECT_NEAR(p.worst_score_diff, 0.02, 1e-9);
}

TEST(DetectionMatching, MaskIouBelowTheMinimumFails) {
  auto masks = [](size_t reference, size_t) { return reference == 2 ? 0.79 : 1.0; };
  DetectionParity p = compare_detections(kReference, kReference, kThreshold, kRules, masks);
  ASSERT_EQ(p.problems.size(), 1u) << problems(p);
  EXPECT_NE(p.problems[0].find("mask IoU 0.79"), std::string::npos) << p.problems[0];
  EXPECT_EQ(p.worst_mask_iou, 0.79);
}

TEST(DetectionMatching, EachReferenceDetectionTakesTheBestRemainingBox) {
  // two of ours overlap the reference's first box; it takes the closer one (IoU 0.98 against
  // 0.96), and the other is left over, a strong extra detection
  std::vector<Detection> ours = {at(1, 0.9, 0, 0.2f), at(1, 0.9, 0, 0.1f)};
  DetectionParity p = compare({kReference[0]}, ours);
  ASSERT_EQ(p.pairs.size(), 1u);
  EXPECT_EQ(p.pairs[0].ours, 1u);
  EXPECT_EQ(p.problems.size(), 1u) << problems(p);
}

TEST(DetectionMatching, EmptyResultsAgree) { EXPECT_TRUE(compare({}, {}).problems.empty()); }

TEST(DetectionMatching, CutIsTheThresholdUnlessTheCapBinds) {
  EXPECT_EQ(detection_cut(kReference, kThreshold, 4), kThreshold);
  EXPECT_EQ(detection_cut(kReference, kThreshold, 3), 0.4);
  EXPECT_EQ(detection_cut({}, kThreshold, 3), kThreshold);
}

TEST(DetectionMatching, AtTheCapDetectionsNearTheLowestKeptScoreMayTradePlaces) {
  // the cap of 3 binds: our third detection is another box scoring just above the reference's
  // lowest, which is only allowed when the cut is that score
  std::vector<Detection> ours = {kReference[0], kReference[1], at(1, 0.405, 60, 0)};
  double cut = detection_cut(kReference, kThreshold, 3);
  DetectionParity p = compare(kReference, ours, cut);
  EXPECT_TRUE(p.problems.empty()) << problems(p);
  EXPECT_EQ(compare(kReference, ours, kThreshold).problems.size(), 2u);
}

}  // namespace
