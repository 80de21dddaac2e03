// End-to-end parity with torchvision through the public C API: the same weights, the same
// 8-bit pixels, torchvision's detections stored by models/make_fixtures.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

extern "C" {
#include "maskrcnn_wasm.h"
}
#include "support/detection_parity.h"
#include "support/fixtures.h"
#include "support/matching.h"
#include "support/parity_rules.h"

namespace {

// The detections of torchvision that the fixture stores.
std::vector<Detection> fixture_detections(const mrw_safetensors *io) {
  FixtureTensor boxes = read_fixture_tensor(io, "boxes");
  FixtureTensor labels = read_fixture_tensor(io, "labels");
  FixtureTensor scores = read_fixture_tensor(io, "scores");
  std::vector<Detection> d(scores.values.size());
  EXPECT_EQ(labels.values.size(), d.size());
  EXPECT_EQ(boxes.values.size(), 4 * d.size());
  for (size_t i = 0; i < d.size() && i < labels.values.size() && 4 * i < boxes.values.size(); i++) {
    d[i] = {int(labels.values[i]), scores.values[i], {}};
    std::copy_n(&boxes.values[4 * i], 4, d[i].box.begin());
  }
  return d;
}

std::vector<Detection> result_detections(const mrw_result *result) {
  std::vector<Detection> d(size_t(mrw_result_count(result)));
  for (size_t j = 0; j < d.size(); j++) {
    d[j] = {mrw_result_label(result, int(j)), mrw_result_score(result, int(j)), {}};
    std::copy_n(mrw_result_box(result, int(j)), 4, d[j].box.begin());
  }
  return d;
}

// rules: the "detections" rules, or "int8_detections" for a model whose int8 layers run in
// integers.
void check_case(const std::string &name, int threads = 2,
                const DetectionRules &rules = parity_rules().detections) {
  ModelFilePtr io = open_fixture(name + ".safetensors");
  ASSERT_TRUE(io);
  const char *model_name = mrw_safetensors_metadata(io.get(), "model");
  ASSERT_NE(model_name, nullptr);
  // the score threshold and the cap the model was run with: its own
  mrw_config config{};
  {
    ModelFilePtr model_file = open_fixture(model_name);
    ASSERT_TRUE(model_file);
    ASSERT_TRUE(parse_model_config(model_file.get(), &config));
  }
  double score_threshold = config.box_score_thresh;
  int detections_per_img = config.box_detections_per_img;
  mrw_config_free(&config);

  mrw_model *model = mrw_model_create(threads);
  ASSERT_NE(model, nullptr);
  std::string model_path = fixture_path(model_name);
  ASSERT_EQ(mrw_model_load_file(model, model_path.c_str()), MRW_OK) << mrw_model_error(model);

  const mrw_tensor_view *image = mrw_safetensors_find(io.get(), "image");
  ASSERT_NE(image, nullptr);
  ASSERT_EQ(image->ndim, 3);
  int h = int(image->shape[0]), w = int(image->shape[1]);
  mrw_result *result = nullptr;
  ASSERT_EQ(mrw_model_segment(model, static_cast<const uint8_t *>(image->data), w, h, w * 3,
                              MRW_PIXELS_RGB, nullptr, &result),
            MRW_OK)
      << mrw_model_error(model);

  std::vector<Detection> reference = fixture_detections(io.get()), ours = result_detections(result);
  const mrw_tensor_view *masks = mrw_safetensors_find(io.get(), "masks");
  ASSERT_NE(masks, nullptr);
  size_t pixels = size_t(w) * h;
  ASSERT_EQ(masks->count, reference.size() * pixels);
  std::vector<uint8_t> our_mask(pixels);
  auto masks_iou = [&](size_t i, size_t j) {
    EXPECT_EQ(mrw_result_full_mask(result, int(j), our_mask.data(), pixels), MRW_OK);
    return mask_iou(our_mask.data(), static_cast<const uint8_t *>(masks->data) + i * pixels, pixels);
  };
  double cut = detection_cut(reference, score_threshold, detections_per_img);
  DetectionParity p =
      compare_detections(reference, ours, cut, rules, masks_iou);
  for (const std::string &problem : p.problems) ADD_FAILURE() << name << ": " << problem;
  std::printf("parity %-24s %3zu torchvision / %3zu ours, %3zu paired, cut %.4f  worst box IoU "
              "%.5f  score diff %.2e  mask IoU %.5f\n",
              name.c_str(), reference.size(), ours.size(), p.pairs.size(), cut, p.worst_box_iou,
              p.worst_score_diff, p.worst_mask_iou);
  mrw_result_free(result);
  mrw_model_free(model);
}

TEST(Parity, ResNet50FpnLandscape) { check_case("e2e_r50_landscape"); }
TEST(Parity, ResNet50FpnPortrait) { check_case("e2e_r50_portrait"); }
TEST(Parity, ResNet50FpnSmallOddSize) { check_case("e2e_r50_small"); }
TEST(Parity, ResNet50FpnLegacyNames) { check_case("e2e_r50_legacy"); }
TEST(Parity, ResNet18Fpn128Box256FourClasses) { check_case("e2e_r18", 1); }
// The shipped default model's F16 file: ResNet-34, trained BatchNorm statistics folded at
// load, F16 weights, FPN 128.
TEST(Parity, ShippedDefaultModel) { check_case("e2e_default"); }
// The shipped default model (its F16 file converted with --int8): its 3x3 stride-1 convolutions run as int8
// Winograd, its 1x1 ones and fully connected layers on the integer GEMM; torchvision runs the
// same arithmetic (make_fixtures.py), and the two differ by int8 noise (parity_rules.json).
TEST(Parity, Int8ShippedDefaultModel) {
  check_case("e2e_int8", 2, parity_rules().int8_detections);
}
TEST(Parity, ShippedLiveModelOnACameraFrame) { check_case("e2e_live_camera"); }
TEST(Parity, ShippedLiveModelOnAScene) { check_case("e2e_live_scene"); }
// MobileNetV3-Large FPN as fasterrcnn_mobilenet_v3_large_320_fpn builds it (320/640, RPN
// 150/150, score threshold 0.05), with the default heads and 91 classes, and with light heads
// (box head 256, mask head 2 x 64, dim_reduced 32, 4 classes).
TEST(Parity, MobileNetV3LargeFpnLandscape) { check_case("e2e_mnv3_landscape"); }
TEST(Parity, MobileNetV3LargeFpnPortrait) { check_case("e2e_mnv3_portrait"); }
TEST(Parity, MobileNetV3LargeFpnLightHeadsLandscape) { check_case("e2e_mnv3_light_landscape"); }
TEST(Parity, MobileNetV3LargeFpnLightHeadsPortrait) { check_case("e2e_mnv3_light_portrait", 1); }
// The extractor's returned_layers: [3, 4, 5] adds the stride-16 stage (RoIs on levels 4 and 5,
// the second stride-32 level unused as in torchvision); [1, 2, 3] takes strides 4, 8 and 16
// and the body ends at features[7].
TEST(Parity, MobileNetV3ReturnedStages345Landscape) { check_case("e2e_mnv3_s16_landscape"); }
TEST(Parity, MobileNetV3ReturnedStages345Portrait) { check_case("e2e_mnv3_s16_portrait"); }
TEST(Parity, MobileNetV3ReturnedStages123Landscape) { check_case("e2e_mnv3_s4_landscape"); }
TEST(Parity, MobileNetV3ReturnedStages123Portrait) { check_case("e2e_mnv3_s4_portrait"); }

// maskrcnn_resnet50_fpn_v2: BatchNorm (calibrated, perturbed statistics) folded at load in the
// body, the FPN, the box head's four 3x3 convolutions and the mask head; RPN head of two
// 3x3 convolutions; one fully connected layer after the box head's convolutions.
TEST(Parity, V2ResNet50FpnLandscape) { check_case("e2e_r50v2_landscape"); }
TEST(Parity, V2ResNet50FpnPortrait) { check_case("e2e_r50v2_portrait"); }
// The same parts at other sizes: ResNet-18, FPN 128, box head 2 convolutions of 128 and fc 256,
// mask head 2 x 128, dim_reduced 64, 4 classes.
TEST(Parity, V2ResNet18Fpn128ConvBoxHead) { check_case("e2e_r18v2", 1); }
// The v2 parts trained a few SGD steps on synthetic scenes: weights and BatchNorm statistics
// that training wrote, on a scene.
TEST(Parity, V2ResNet18TrainedOnScenes) { check_case("e2e_r18v2_trained"); }

TEST(Parity, NothingPassesTheScoreThreshold) {
  ModelFilePtr io = open_fixture("e2e_r50_empty.safetensors");
  ASSERT_TRUE(io);
  FixtureTensor scores = read_fixture_tensor(io.get(), "scores");
  ASSERT_EQ(scores.values.size(), 0u) << "the fixture must have no torchvision detections";
  check_case("e2e_r50_empty");
}

}  // namespace
