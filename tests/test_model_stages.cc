// Stage by stage against torchvision's intermediates (stored by make_fixtures.py): the
// preprocessed input, the RPN proposals, the box head's outputs on torchvision's own
// proposals, and the mask probabilities on torchvision's own detections. When the
// end-to-end parity fails, these say where.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "kernels/pool.h"
#include "kernels/resize.h"
#include "model/detector.h"
#include "model/instance.h"
#include "model/roi_pool.h"
}
#include "support/compare.h"
#include "support/fixtures.h"
#include "support/matching.h"
#include "support/parity_rules.h"
#include "support/random.h"

namespace {

struct Stages {
  ModelFilePtr io, model_file;
  mrw_detector detector{};
  mrw_runtime rt{};
  mrw_network_input input{};
  mrw_feature stages[4]{}, levels[MRW_FPN_LEVELS]{};
  bool ready = false;

  explicit Stages(const std::string &case_name) { load(case_name); }
  void load(const std::string &case_name) {
    io = open_fixture(case_name + ".safetensors");
    ASSERT_TRUE(io);
    const char *model_name = mrw_safetensors_metadata(io.get(), "model");
    ASSERT_NE(model_name, nullptr);
    model_file = open_fixture(model_name);
    ASSERT_TRUE(model_file);
    mrw_error err{};
    ASSERT_EQ(mrw_detector_load(&detector, model_file.get(), &err), MRW_OK) << err.message;
    ASSERT_EQ(mrw_runtime_init(&rt, 2, &err), MRW_OK) << err.message;
    const mrw_tensor_view *image = mrw_safetensors_find(io.get(), "image");
    ASSERT_NE(image, nullptr);
    mrw_image_view view{static_cast<const uint8_t *>(image->data), int(image->shape[1]),
                        int(image->shape[0]), int(image->shape[1]) * 3, 3};
    ASSERT_EQ(mrw_preprocess(&detector.config, &view, &input, &rt, &err), MRW_OK) << err.message;
    ASSERT_EQ(mrw_detector_backbone(&detector, &input.image, stages, &rt, &err), MRW_OK) << err.message;
    ASSERT_EQ(mrw_fpn_forward(&detector.fpn, stages, levels, &rt, &err), MRW_OK);
    ready = true;
  }
  ~Stages() {
    mrw_feature_free(&input.image);
    for (auto &f : stages) mrw_feature_free(&f);
    for (auto &f : levels) mrw_feature_free(&f);
    mrw_runtime_free(&rt);
    mrw_detector_free(&detector);
  }
};

void check_input(Stages &s, const char *name) {
  {
    FixtureTensor expected = read_fixture_tensor(s.io.get(), "input");
    ASSERT_EQ(expected.shape[1], s.input.image.h) << name;
    ASSERT_EQ(expected.shape[2], s.input.image.w) << name;
    EXPECT_EQ(std::atoi(mrw_safetensors_metadata(s.io.get(), "resized_h")), s.input.resized_h);
    EXPECT_EQ(std::atoi(mrw_safetensors_metadata(s.io.get(), "resized_w")), s.input.resized_w);
    Difference d = compare_arrays(s.input.image.data, expected.values.data(), expected.values.size());
    std::printf("stages %-18s input max|diff| %.3e (max %.3f)\n", name, d.max_abs_diff, d.max_abs_expected);
    EXPECT_LE(d.max_abs_diff, parity_rules().stages.input_relative * d.max_abs_expected) << name;
  }
}

void check_proposals(Stages &s, const char *name) {
  {
    mrw_proposals p{};
    mrw_error err{};
    ASSERT_EQ(mrw_rpn_run(&s.detector.rpn, &s.detector.config, s.levels, s.input.image.h,
                          s.input.image.w, s.input.resized_h, s.input.resized_w, &p, &s.rt, &err),
              MRW_OK);
    FixtureTensor boxes = read_fixture_tensor(s.io.get(), "rpn.boxes");
    FixtureTensor scores = read_fixture_tensor(s.io.get(), "rpn.scores");
    size_t n = boxes.values.size() / 4;
    const ProposalRules &rules = parity_rules().stages.proposals;
    EXPECT_EQ(size_t(p.count), n) << name;
    size_t same = 0, swapped = 0;
    double worst = 1.0;
    for (size_t i = 0; i < n && i < size_t(p.count); i++) {
      double iou = box_iou(&boxes.values[i * 4], p.boxes + i * 4);
      same += iou > rules.same_box_iou_min;
      // proposals whose scores tie (the engines' rounding apart) may come in either order
      swapped += iou <= rules.same_box_iou_min &&
                 std::fabs(scores.values[i] - p.scores[i]) <= rules.score_tie;
      worst = std::min(worst, iou);
    }
    std::printf("stages %-18s rpn %zu proposals, %zu equal in order, %zu swapped at a score "
                "tie, worst IoU in order %.4f\n", name, n, same, swapped, worst);
    EXPECT_GE(double(same + swapped), rules.in_order_fraction_min * n) << name;
    mrw_proposals_free(&p);
  }
}

void check_box_head(Stages &s, const char *name) {
  {
    FixtureTensor boxes = read_fixture_tensor(s.io.get(), "rpn.boxes");
    FixtureTensor logits = read_fixture_tensor(s.io.get(), "roi.class_logits");
    FixtureTensor regression = read_fixture_tensor(s.io.get(), "roi.box_regression");
    int n = int(boxes.values.size() / 4), classes = s.detector.box_head.classes;
    const mrw_box_head &h = s.detector.box_head;
    // the head on torchvision's proposals, so that the rows pair up
    std::vector<float> pred(size_t(n) * h.predictor.out_features);
    mrw_proposals proposals{boxes.values.data(), nullptr, n};
    mrw_error err{};
    ASSERT_EQ(mrw_box_head_predict(&h, &s.detector.config, s.levels, s.input.resized_h, &proposals,
                                   pred.data(), &s.rt, &err),
              MRW_OK) << err.message;
    double worst_logit = 0, worst_delta = 0, max_logit = 0, max_delta = 0;
    for (int i = 0; i < n; i++) {
      Difference dl = compare_arrays(&pred[size_t(i) * 5 * classes], &logits.values[size_t(i) * classes], classes);
      Difference dr = compare_arrays(&pred[size_t(i) * 5 * classes + classes],
                                     &regression.values[size_t(i) * 4 * classes], 4 * classes);
      worst_logit = std::max(worst_logit, dl.max_abs_diff);
      worst_delta = std::max(worst_delta, dr.max_abs_diff);
      max_logit = std::max(max_logit, dl.max_abs_expected);
      max_delta = std::max(max_delta, dr.max_abs_expected);
    }
    std::printf("stages %-18s box head: logits max|diff| %.3e (max %.2f), deltas %.3e (max %.2f)\n",
                name, worst_logit, max_logit, worst_delta, max_delta);
    EXPECT_LE(worst_logit, parity_rules().stages.feature_relative * max_logit) << name;
    EXPECT_LE(worst_delta, parity_rules().stages.feature_relative * max_delta) << name;
  }
}

void check_mask_head(Stages &s, const char *name) {
  {
    FixtureTensor boxes = read_fixture_tensor(s.io.get(), "det.boxes");
    FixtureTensor labels = read_fixture_tensor(s.io.get(), "det.labels");
    FixtureTensor probs = read_fixture_tensor(s.io.get(), "mask.probs");
    int n = int(labels.values.size());
    if (n == 0) return;
    std::vector<int> label_ids(labels.values.begin(), labels.values.end());
    std::vector<float> ours(size_t(n) * 28 * 28);
    mrw_error err{};
    ASSERT_EQ(mrw_mask_head_run(&s.detector.mask_head, s.levels, s.input.resized_h,
                                boxes.values.data(), label_ids.data(), n, ours.data(), &s.rt, &err),
              MRW_OK);
    Difference d = compare_arrays(ours.data(), probs.values.data(), ours.size());
    std::printf("stages %-18s mask probabilities max|diff| %.3e\n", name, d.max_abs_diff);
    EXPECT_LE(d.max_abs_diff, parity_rules().stages.mask_probability_absolute) << name;
  }
}

// The backbone's returned stages and every FPN level, each within the "feature_relative"
// tolerance of tests/parity_rules.json of the largest |torchvision| value of that level.
void check_backbone_levels(Stages &s, const char *name) {
  // the returned stages body.0.. and the FPN levels fpn.0.., then fpn.pool
  int inputs = s.detector.config.fpn_levels - 1;
  std::vector<std::pair<std::string, const mrw_feature *>> outputs;
  for (int i = 0; i < inputs; i++) outputs.push_back({"body." + std::to_string(i), &s.stages[i]});
  for (int i = 0; i < inputs; i++) outputs.push_back({"fpn." + std::to_string(i), &s.levels[i]});
  outputs.push_back({"fpn.pool", &s.levels[inputs]});
  for (const auto &[tensor, ours] : outputs) {
    FixtureTensor expected = read_fixture_tensor(s.io.get(), tensor.c_str());
    ASSERT_EQ(expected.shape.size(), 4u) << name << " " << tensor;
    ASSERT_EQ(expected.shape[1], ours->h) << name << " " << tensor;
    ASSERT_EQ(expected.shape[2], ours->w) << name << " " << tensor;
    ASSERT_EQ(expected.shape[3], ours->c) << name << " " << tensor;
    Difference d = compare_arrays(ours->data, expected.values.data(), expected.values.size());
    std::printf("stages %-18s %-8s %3dx%-3d x%-4d max|diff| %.3e  max|torch| %.3e  ratio %.2e\n",
                name, tensor.c_str(), ours->h, ours->w, ours->c, d.max_abs_diff,
                d.max_abs_expected, d.max_abs_diff / d.max_abs_expected);
    EXPECT_LE(d.max_abs_diff, parity_rules().stages.feature_relative * d.max_abs_expected)
        << name << " " << tensor;
  }
}

// One backbone pass per case, every stage checked on it.
void check_stages(const char *name, bool backbone_levels = false) {
  Stages s(name);
  ASSERT_TRUE(s.ready);
  check_input(s, name);
  if (backbone_levels) check_backbone_levels(s, name);
  check_proposals(s, name);
  check_box_head(s, name);
  check_mask_head(s, name);
}

// The ResNet-50 fixture's detector on 2 threads, for passes compared bit for bit.
struct R50 {
  ModelFilePtr file = open_fixture("r50_det.safetensors");
  mrw_detector detector{};
  mrw_runtime rt{};
  mrw_error err{};
  bool ready = false;
  R50() {
    EXPECT_TRUE(file);
    if (!file) return;
    EXPECT_EQ(mrw_detector_load(&detector, file.get(), &err), MRW_OK) << err.message;
    EXPECT_EQ(mrw_runtime_init(&rt, 2, &err), MRW_OK) << err.message;
    ready = !testing::Test::HasFailure();
  }
  ~R50() {
    mrw_runtime_free(&rt);
    mrw_detector_free(&detector);
  }
};

// Both sets of levels have the same shapes and bits; both are freed.
void expect_same_levels(mrw_feature want[MRW_FPN_LEVELS], mrw_feature got[MRW_FPN_LEVELS]) {
  for (int l = 0; l < MRW_FPN_LEVELS; l++) {
    EXPECT_EQ(got[l].h, want[l].h) << "level " << l;
    EXPECT_EQ(got[l].w, want[l].w) << "level " << l;
    EXPECT_EQ(got[l].c, want[l].c) << "level " << l;
    if (mrw_feature_count(&got[l]) == mrw_feature_count(&want[l])) {
      EXPECT_EQ(0, std::memcmp(got[l].data, want[l].data,
                               mrw_feature_count(&got[l]) * sizeof(float)))
          << "level " << l;
    }
    mrw_feature_free(&want[l]);
    mrw_feature_free(&got[l]);
  }
}

// torchvision's FPN step by step from the layers, each output into a new map: the laterals,
// the inner sums from the top down, each level's output convolution on its sum, the pool.
void reference_levels(const mrw_fpn *fpn, const mrw_feature stages[4],
                      mrw_feature levels[MRW_FPN_LEVELS], mrw_runtime *rt) {
  mrw_error err{};
  int top = fpn->inputs - 1;
  mrw_feature inner[4]{};
  for (int i = 0; i <= top; i++)
    ASSERT_EQ(mrw_conv_layer_run(&fpn->inner[i], &stages[i], nullptr, 0, &inner[i], rt, &err),
              MRW_OK);
  for (int i = top - 1; i >= 0; i--)
    mrw_upsample_nearest_add(inner[i + 1].data, inner[i + 1].h, inner[i + 1].w, inner[i + 1].c,
                             inner[i].data, inner[i].h, inner[i].w, rt->pool);
  for (int i = 0; i <= top; i++) {
    ASSERT_EQ(mrw_conv_layer_run(&fpn->layer[i], &inner[i], nullptr, 0, &levels[i], rt, &err),
              MRW_OK);
    mrw_feature_free(&inner[i]);
  }
  const mrw_feature &last = levels[top];
  ASSERT_EQ(mrw_feature_alloc(&levels[top + 1], mrw_max_pool_out(last.h, 1, 2, 0),
                              mrw_max_pool_out(last.w, 1, 2, 0), last.c, &err),
            MRW_OK);
  mrw_max_pool(last.data, last.h, last.w, last.c, 1, 2, 0, levels[top + 1].data, rt->pool);
}

// The detector's pass writes the finest lateral over C2 and each level over its inner sum, a
// band of rows at a time: the bits of the FPN computed step by step into new maps, the finest
// level in C2's buffer; the pass that keeps its inputs has those bits too. ResNet-50's FPN on
// random stages of a 320x480 input (C2 80x120x256 .. C5 10x15x2048).
TEST(Stages, FpnOverItsInputsHoldsTheSameBits) {
  R50 r;
  ASSERT_TRUE(r.ready);
  mrw_feature stages[4]{}, copies[4]{}, kept[MRW_FPN_LEVELS]{}, levels[MRW_FPN_LEVELS]{};
  TestRandom rng(700);
  for (int i = 0; i < 4; i++) {
    int h = 80 >> i, w = 120 >> i, c = 256 << i;
    ASSERT_EQ(mrw_feature_alloc(&stages[i], h, w, c, &r.err), MRW_OK);
    ASSERT_EQ(mrw_feature_alloc(&copies[i], h, w, c, &r.err), MRW_OK);
    std::vector<float> values = rng.floats(size_t(h) * w * c);
    std::memcpy(stages[i].data, values.data(), values.size() * sizeof(float));
    std::memcpy(copies[i].data, values.data(), values.size() * sizeof(float));
  }
  mrw_feature want[MRW_FPN_LEVELS]{};
  reference_levels(&r.detector.fpn, stages, want, &r.rt);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_EQ(mrw_fpn_forward(&r.detector.fpn, stages, kept, &r.rt, &r.err), MRW_OK) << r.err.message;
  const float *c2 = copies[0].data;
  ASSERT_EQ(mrw_fpn_forward_consuming(&r.detector.fpn, copies, levels, &r.rt, &r.err), MRW_OK)
      << r.err.message;
  EXPECT_EQ(levels[0].data, c2) << "the finest level should be written over C2";
  EXPECT_GT(levels[1].h, 32) << "the two finest levels should span more than one band";
  mrw_feature copy[MRW_FPN_LEVELS]{};
  for (int l = 0; l < MRW_FPN_LEVELS; l++) {
    ASSERT_EQ(mrw_feature_alloc(&copy[l], want[l].h, want[l].w, want[l].c, &r.err), MRW_OK);
    std::memcpy(copy[l].data, want[l].data, mrw_feature_count(&want[l]) * sizeof(float));
  }
  expect_same_levels(want, levels);
  expect_same_levels(copy, kept);
  for (int i = 0; i < 4; i++) mrw_feature_free(&stages[i]);
}

// The detector's ResNet pass hands each stage to the FPN's lateral as soon as the body has
// read it for the last time, the lateral written over the stage (C3's 512 channels become
// 256 before layer3's second block): the same levels, bit for bit, as the body and the FPN
// run one after the other on kept maps. ResNet-50 on a random 160x224 input, 2 threads.
struct LateralLog {
  const mrw_fpn *fpn;
  std::vector<int> stages;
};

mrw_status lateral_logged(void *ctx, int stage, mrw_feature *out, mrw_runtime *rt,
                          mrw_error *err) {
  auto *log = static_cast<LateralLog *>(ctx);
  log->stages.push_back(stage);
  return mrw_fpn_lateral_consuming(log->fpn, stage, out, rt, err);
}

TEST(Stages, LateralsAsTheBodyFinishesHoldTheSameBits) {
  R50 r;
  ASSERT_TRUE(r.ready);
  mrw_feature image{}, copy{}, stages[4]{}, laterals[4]{};
  mrw_feature kept[MRW_FPN_LEVELS]{}, levels[MRW_FPN_LEVELS]{};
  ASSERT_EQ(mrw_feature_alloc(&image, 160, 224, 3, &r.err), MRW_OK);
  ASSERT_EQ(mrw_feature_alloc(&copy, 160, 224, 3, &r.err), MRW_OK);
  std::vector<float> pixels = TestRandom(701).floats(mrw_feature_count(&image));
  std::memcpy(image.data, pixels.data(), pixels.size() * sizeof(float));
  std::memcpy(copy.data, pixels.data(), pixels.size() * sizeof(float));
  ASSERT_EQ(mrw_resnet_forward(&r.detector.resnet, &image, stages, nullptr, &r.rt, &r.err), MRW_OK);
  ASSERT_EQ(mrw_fpn_forward(&r.detector.fpn, stages, kept, &r.rt, &r.err), MRW_OK) << r.err.message;
  LateralLog log{&r.detector.fpn, {}};
  mrw_stage_done done{lateral_logged, &log};
  ASSERT_EQ(mrw_resnet_forward_consuming(&r.detector.resnet, &copy, &done, laterals, &r.rt, &r.err),
            MRW_OK)
      << r.err.message;
  EXPECT_EQ(copy.data, nullptr) << "the image should be freed";
  EXPECT_EQ(log.stages, (std::vector<int>{0, 1, 2, 3}));
  for (int i = 0; i < 4; i++) EXPECT_EQ(laterals[i].c, 256) << "stage " << i;
  ASSERT_EQ(mrw_fpn_forward_laterals(&r.detector.fpn, laterals, levels, &r.rt, &r.err), MRW_OK)
      << r.err.message;
  for (int i = 0; i < 4; i++) EXPECT_EQ(laterals[i].data, nullptr) << "lateral " << i;
  expect_same_levels(kept, levels);
  mrw_feature_free(&image);
  for (int i = 0; i < 4; i++) mrw_feature_free(&stages[i]);
}

// A pass frees the runtime's scratch at its end, so that the next pass places its maps in the
// same free memory (mrw_runtime_release_scratch).
TEST(Stages, APassLeavesNoScratch) {
  Stages s("e2e_r18");
  ASSERT_TRUE(s.ready);
  const mrw_tensor_view *image = mrw_safetensors_find(s.io.get(), "image");
  ASSERT_NE(image, nullptr);
  mrw_image_view view{static_cast<const uint8_t *>(image->data), int(image->shape[1]),
                      int(image->shape[0]), int(image->shape[1]) * 3, 3};
  struct mrw_result *result = nullptr;
  mrw_error err{};
  ASSERT_EQ(mrw_detector_run(&s.detector, &view, nullptr, 0.0f, 100, &result, &s.rt, &err), MRW_OK) << err.message;
  EXPECT_EQ(s.rt.scratch, nullptr);
  EXPECT_EQ(s.rt.scratch_floats, 0u);
  mrw_instances_free(result);
}

TEST(Stages, ResNet18Fpn128) { check_stages("e2e_r18"); }
// MobileNetV3-Large FPN (levels '0', '1' at stride 32, 'pool' at 64): default and light heads
TEST(Stages, MobileNetV3LargeLandscape) { check_stages("e2e_mnv3_landscape", true); }
TEST(Stages, MobileNetV3LargePortrait) { check_stages("e2e_mnv3_portrait", true); }
TEST(Stages, MobileNetV3LargeLightHeadsLandscape) { check_stages("e2e_mnv3_light_landscape", true); }
TEST(Stages, MobileNetV3LargeLightHeadsPortrait) { check_stages("e2e_mnv3_light_portrait", true); }
// Other returned_layers: stages 3, 4, 5 (strides 16, 32, 32) and 1, 2, 3 (strides 4, 8, 16)
TEST(Stages, MobileNetV3ReturnedStages345) { check_stages("e2e_mnv3_s16_portrait", true); }
TEST(Stages, MobileNetV3ReturnedStages123) { check_stages("e2e_mnv3_s4_landscape", true); }
// The v2 parts over ResNet-18: BatchNorm folded in the body, the FPN (levels checked) and the
// box and mask heads' convolutions; RPN head of two convolutions
TEST(Stages, V2ResNet18Fpn128) { check_stages("e2e_r18v2", true); }
// The shipped live model (trained, BatchNorm statistics, F16 weights)
TEST(Stages, ShippedLiveModelOnACameraFrame) { check_stages("e2e_live_camera", true); }

}  // namespace

// A streamed F32 file's weights are built into the blocks that held them where they fit:
// the stem's packing, a per-call Winograd layer's panels and fc6's packed B, in place. (The
// stages above hold what is built there to torchvision.)
TEST(DetectorLoad, BuildsF32WeightsWhereTheFilesBytesWere) {
  ModelFilePtr file = open_fixture("r18_fpn128.safetensors");
  ASSERT_TRUE(file);
  const char *names[] = {"backbone.body.conv1.weight", "backbone.body.layer1.0.conv2.weight",
                         "roi_heads.box_head.fc6.weight"};
  const void *blocks[3];
  for (int i = 0; i < 3; i++) {
    const mrw_tensor_view *t = mrw_safetensors_find(file.get(), names[i]);
    ASSERT_NE(t, nullptr) << names[i];
    ASSERT_EQ(t->dtype, MRW_DTYPE_F32) << names[i];
    blocks[i] = t->data;
  }
  mrw_detector detector{};
  mrw_error err{};
  ASSERT_EQ(mrw_detector_load(&detector, file.get(), &err), MRW_OK) << err.message;
  EXPECT_EQ(static_cast<const void *>(detector.resnet.stem.packed), blocks[0]);
  EXPECT_EQ(detector.resnet.blocks[0].conv[1].winograd, MRW_WINOGRAD_AT_RUN);
  EXPECT_EQ(static_cast<const void *>(detector.resnet.blocks[0].conv[1].packed), blocks[1]);
  EXPECT_EQ(static_cast<const void *>(detector.box_head.fc6.packed), blocks[2]);
  mrw_detector_free(&detector);
}
