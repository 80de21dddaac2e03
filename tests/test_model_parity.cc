// End-to-end parity with torchvision through the public C API: the same weights, the same
// 8-bit pixels, torchvision's detections stored by models/make_fixtures.py.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "maskrcnn_wasm.h"
}
#include "support/fixtures.h"
#include "support/matching.h"

namespace {

struct Worst {
  double box_iou = 1.0, score_diff = 0.0, mask_iou = 1.0;
};

// True when torchvision's own score for detection i ties (within 1e-5) another of its
// scores or the score threshold: the one situation where the two engines may cut apart.
bool at_tie(const std::vector<float> &scores, size_t i, double threshold) {
  if (std::fabs(scores[i] - threshold) < 1e-5) return true;
  for (size_t j = 0; j < scores.size(); j++)
    if (j != i && std::fabs(scores[j] - scores[i]) < 1e-5) return true;
  return false;
}

void check_case(const std::string &name, int threads = 2) {
  ModelFilePtr io = open_fixture(name + ".safetensors");
  ASSERT_TRUE(io);
  const char *model_name = mrw_model_file_metadata(io.get(), "model");
  ASSERT_NE(model_name, nullptr);
  mrw_model *model = mrw_model_create(threads);
  ASSERT_NE(model, nullptr);
  std::string model_path = fixture_path(model_name);
  ASSERT_EQ(mrw_model_load_file(model, model_path.c_str()), MRW_OK) << mrw_model_error(model);

  const mrw_tensor_view *image = mrw_model_file_find(io.get(), "image");
  ASSERT_NE(image, nullptr);
  ASSERT_EQ(image->ndim, 3);
  int h = int(image->shape[0]), w = int(image->shape[1]);
  mrw_result *result = nullptr;
  ASSERT_EQ(mrw_model_segment(model, static_cast<const uint8_t *>(image->data), w, h, w * 3,
                              MRW_PIXELS_RGB, nullptr, &result),
            MRW_OK)
      << mrw_model_error(model);

  FixtureTensor boxes = read_fixture_tensor(io.get(), "boxes");
  FixtureTensor labels = read_fixture_tensor(io.get(), "labels");
  FixtureTensor scores = read_fixture_tensor(io.get(), "scores");
  const mrw_tensor_view *masks = mrw_model_file_find(io.get(), "masks");
  ASSERT_NE(masks, nullptr);
  size_t expected = scores.values.size(), pixels = size_t(w) * h;
  int ours = mrw_result_count(result);

  std::vector<bool> used(ours, false);
  std::vector<uint8_t> our_mask(pixels);
  Worst worst;
  size_t unmatched = 0;
  for (size_t i = 0; i < expected; i++) {
    const float *tv_box = &boxes.values[i * 4];
    int best = -1;
    double best_iou = 0.0;
    for (int j = 0; j < ours; j++) {
      if (used[j] || mrw_result_label(result, j) != int(labels.values[i])) continue;
      double iou = box_iou(tv_box, mrw_result_box(result, j));
      if (iou > best_iou) best = j, best_iou = iou;
    }
    if (best < 0 || best_iou < 0.99) {
      EXPECT_TRUE(at_tie(scores.values, i, 0.05))
          << name << ": torchvision detection " << i << " (label " << labels.values[i]
          << ", score " << scores.values[i] << ") has no partner and is not at a score tie";
      unmatched++;
      continue;
    }
    used[best] = true;
    ASSERT_EQ(mrw_result_full_mask(result, best, our_mask.data(), pixels), MRW_OK);
    double miou = mask_iou(our_mask.data(), static_cast<const uint8_t *>(masks->data) + i * pixels, pixels);
    double sdiff = std::fabs(mrw_result_score(result, best) - scores.values[i]);
    worst.box_iou = std::min(worst.box_iou, best_iou);
    worst.score_diff = std::max(worst.score_diff, sdiff);
    worst.mask_iou = std::min(worst.mask_iou, miou);
    EXPECT_LE(sdiff, 1e-3) << name << " detection " << i;
    EXPECT_GE(miou, 0.98) << name << " detection " << i;
  }
  if (unmatched == 0) {
    EXPECT_EQ(size_t(ours), expected) << name << ": counts differ";
  }
  std::printf("parity %-22s %3zu torchvision / %3d ours  worst box IoU %.5f  score diff %.2e  mask IoU %.5f\n",
              name.c_str(), expected, ours, worst.box_iou, worst.score_diff, worst.mask_iou);
  mrw_result_free(result);
  mrw_model_free(model);
}

TEST(Parity, ResNet50FpnLandscape) { check_case("e2e_r50_landscape"); }
TEST(Parity, ResNet50FpnPortrait) { check_case("e2e_r50_portrait"); }
TEST(Parity, ResNet50FpnSmallOddSize) { check_case("e2e_r50_small"); }
TEST(Parity, ResNet50FpnLegacyNames) { check_case("e2e_r50_legacy"); }
TEST(Parity, ResNet18Fpn128Box256FourClasses) { check_case("e2e_r18", 1); }
// The shipped model: trained BatchNorm statistics folded at load, F16 weights, FPN 64.
TEST(Parity, ShippedDefaultModel) { check_case("e2e_default"); }
// MobileNetV3-Large FPN as fasterrcnn_mobilenet_v3_large_320_fpn builds it (320/640, RPN
// 150/150, score threshold 0.05), with the default heads and 91 classes, and with light heads
// (box head 256, mask head 2 x 64, dim_reduced 32, 4 classes).
TEST(Parity, MobileNetV3LargeFpnLandscape) { check_case("e2e_mnv3_landscape"); }
TEST(Parity, MobileNetV3LargeFpnPortrait) { check_case("e2e_mnv3_portrait"); }
TEST(Parity, MobileNetV3LargeFpnLightHeadsLandscape) { check_case("e2e_mnv3_light_landscape"); }
TEST(Parity, MobileNetV3LargeFpnLightHeadsPortrait) { check_case("e2e_mnv3_light_portrait", 1); }

TEST(Parity, NothingPassesTheScoreThreshold) {
  ModelFilePtr io = open_fixture("e2e_r50_empty.safetensors");
  ASSERT_TRUE(io);
  FixtureTensor scores = read_fixture_tensor(io.get(), "scores");
  ASSERT_EQ(scores.values.size(), 0u) << "the fixture must have no torchvision detections";
  check_case("e2e_r50_empty");
}

}  // namespace
