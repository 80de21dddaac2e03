// The reader of tests/parity_rules.json (tests/support/parity_rules.cc).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "support/parity_rules.h"

namespace {

TEST(ParityRules, ParsesEveryRule) {
  const std::string text = R"({"detections": {"rule": "text", "box_iou_min": 0.5,
      "score_diff_max": 0.25, "mask_iou_min": 0.125},
    "int8_detections": {"box_iou_min": 0.375, "score_diff_max": 0.5, "mask_iou_min": 0.625},
    "stages": {"input_relative": 1e-6, "feature_relative": 2e-6, "mask_probability_absolute": 3e-6,
      "proposals": {"same_box_iou_min": 0.75, "score_tie": 4e-6, "in_order_fraction_min": 0.875}}})";
  ParityRules r{};
  std::string error;
  ASSERT_TRUE(parse_parity_rules(text, &r, &error)) << error;
  EXPECT_EQ(r.detections.box_iou_min, 0.5);
  EXPECT_EQ(r.detections.score_diff_max, 0.25);
  EXPECT_EQ(r.detections.mask_iou_min, 0.125);
  EXPECT_EQ(r.int8_detections.box_iou_min, 0.375);
  EXPECT_EQ(r.int8_detections.score_diff_max, 0.5);
  EXPECT_EQ(r.int8_detections.mask_iou_min, 0.625);
  EXPECT_EQ(r.stages.input_relative, 1e-6);
  EXPECT_EQ(r.stages.feature_relative, 2e-6);
  EXPECT_EQ(r.stages.mask_probability_absolute, 3e-6);
  EXPECT_EQ(r.stages.proposals.same_box_iou_min, 0.75);
  EXPECT_EQ(r.stages.proposals.score_tie, 4e-6);
  EXPECT_EQ(r.stages.proposals.in_order_fraction_min, 0.875);
}

TEST(ParityRules, RefusesAMissingOrMeaninglessRule) {
  ParityRules r{};
  std::string error;
  EXPECT_FALSE(parse_parity_rules(R"({"detections": {"box_iou_min": 0.5}})", &r, &error));
  EXPECT_NE(error.find("detections.score_diff_max"), std::string::npos) << error;
  EXPECT_FALSE(parse_parity_rules(R"({"detections": {"box_iou_min": 0.5, "score_diff_max": 0,)"
                                  R"( "mask_iou_min": 0.5}})", &r, &error));
  EXPECT_NE(error.find("detections.score_diff_max"), std::string::npos) << error;
  EXPECT_FALSE(parse_parity_rules(R"({"detections": {"box_iou_min": "0.99"}})", &r, &error));
  EXPECT_NE(error.find("detections.box_iou_min"), std::string::npos) << error;
  EXPECT_FALSE(parse_parity_rules("{", &r, &error));
  EXPECT_FALSE(error.empty());
}

TEST(ParityRules, TheRepositorysFileStatesEveryRule) {
  const ParityRules &r = parity_rules();  // a test failure if the file is unusable
  EXPECT_FALSE(std::isnan(r.detections.box_iou_min));
  EXPECT_FALSE(std::isnan(r.int8_detections.score_diff_max));
  EXPECT_FALSE(std::isnan(r.stages.proposals.in_order_fraction_min));
}

}  // namespace
