#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "model/config.h"
#include "model/fpn.h"
#include "model/resnet.h"
}
#include "support/compare.h"
#include "support/fixtures.h"
#include "support/parity_rules.h"

namespace {

// ResNet + FPN bound to one model file, as the engine loads it.
struct Backbone {
  mrw_config config{};
  mrw_resnet resnet{};
  mrw_fpn fpn{};
  bool loaded = false;

  explicit Backbone(mrw_safetensors *file) { load(file); }
  void load(mrw_safetensors *file) {
    mrw_error err{};
    ASSERT_TRUE(parse_model_config(file, &config));
    ASSERT_EQ(mrw_resnet_load(&resnet, file, &config, &err), MRW_OK) << err.message;
    ASSERT_EQ(mrw_fpn_load(&fpn, file, &config, resnet.stage_channels, &err), MRW_OK) << err.message;
    loaded = true;
  }
  ~Backbone() {
    mrw_fpn_free(&fpn);
    mrw_resnet_free(&resnet);
    mrw_config_free(&config);
  }
};

// Every output of one forward pass, named as in the fixture.
struct Outputs {
  mrw_feature stem{}, stages[4]{}, levels[MRW_FPN_LEVELS]{};
  ~Outputs() {
    mrw_feature_free(&stem);
    for (auto &f : stages) mrw_feature_free(&f);
    for (auto &f : levels) mrw_feature_free(&f);
  }
  std::vector<std::pair<std::string, const mrw_feature *>> named() const {
    return {{"stem", &stem},          {"body.layer1", &stages[0]}, {"body.layer2", &stages[1]},
            {"body.layer3", &stages[2]}, {"body.layer4", &stages[3]}, {"fpn.0", &levels[0]},
            {"fpn.1", &levels[1]},    {"fpn.2", &levels[2]},       {"fpn.3", &levels[3]},
            {"fpn.pool", &levels[4]}};
  }
};

void run_backbone(const Backbone &net, const mrw_safetensors *io, int threads, Outputs *out) {
  FixtureTensor input = read_fixture_tensor(io, "input");
  ASSERT_EQ(input.shape.size(), 4u);
  ASSERT_EQ(input.shape[3], 3);
  mrw_feature image{input.values.data(), int(input.shape[1]), int(input.shape[2]), 3};
  mrw_runtime rt{};
  mrw_error err{};
  ASSERT_EQ(mrw_runtime_init(&rt, threads, &err), MRW_OK) << err.message;
  mrw_status s = mrw_resnet_forward(&net.resnet, &image, out->stages, &out->stem, &rt, &err);
  if (s == MRW_OK) s = mrw_fpn_forward(&net.fpn, out->stages, out->levels, &rt, &err);
  mrw_runtime_free(&rt);
  ASSERT_EQ(s, MRW_OK) << err.message;
}

// Compares every stage and FPN level with torchvision: max|ours - torch| <= the
// "feature_relative" tolerance of tests/parity_rules.json x max|torch|.
void check_parity(const std::string &model_name, const std::string &io_name) {
  ModelFilePtr model = open_fixture(model_name), io = open_fixture(io_name);
  ASSERT_TRUE(model && io);
  Backbone net(model.get());
  ASSERT_TRUE(net.loaded);
  Outputs out;
  run_backbone(net, io.get(), 2, &out);
  for (const auto &[name, feature] : out.named()) {
    FixtureTensor expected = read_fixture_tensor(io.get(), name);
    ASSERT_EQ(expected.shape.size(), 4u) << name;
    ASSERT_EQ(expected.shape[1], feature->h) << name;
    ASSERT_EQ(expected.shape[2], feature->w) << name;
    ASSERT_EQ(expected.shape[3], feature->c) << name;
    Difference d = compare_arrays(feature->data, expected.values.data(), expected.values.size());
    double ratio = d.max_abs_diff / d.max_abs_expected;
    std::printf("parity %-16s %-12s %4dx%-4dx%-4d max|diff| %.3e  max|torch| %.3e  ratio %.2e\n",
                model_name.c_str(), name.c_str(), feature->h, feature->w, feature->c,
                d.max_abs_diff, d.max_abs_expected, ratio);
    EXPECT_GT(d.max_abs_expected, 0.0) << name << " is all zeros: the fixture proves nothing";
    EXPECT_LE(ratio, parity_rules().stages.feature_relative) << name << ": worst element " << d.worst_index;
  }
}

TEST(BackboneParity, ResNet50FpnAt800x1216) {
  check_parity("r50_fpn.safetensors", "r50_fpn_io.safetensors");
}

TEST(BackboneParity, ResNet18Fpn128AtSizeNotDivisibleBy32) {
  check_parity("r18_fpn128.safetensors", "r18_fpn128_io.safetensors");
}

TEST(BackboneParity, ResNet50FpnLegacyNamesWithZeroEps) {
  check_parity("r50_fpn_legacy.safetensors", "r50_fpn_legacy_io.safetensors");
}

TEST(Backbone, SameResultWithOneTwoAndFourThreads) {
  ModelFilePtr model = open_fixture("r18_fpn128.safetensors");
  ModelFilePtr io = open_fixture("r18_fpn128_io.safetensors");
  ASSERT_TRUE(model && io);
  Backbone net(model.get());
  ASSERT_TRUE(net.loaded);
  Outputs one, two, four;
  run_backbone(net, io.get(), 1, &one);
  run_backbone(net, io.get(), 2, &two);
  run_backbone(net, io.get(), 4, &four);
  for (int level = 0; level < MRW_FPN_LEVELS; level++) {
    size_t n = mrw_feature_count(&one.levels[level]);
    ASSERT_EQ(n, mrw_feature_count(&two.levels[level]));
    ASSERT_EQ(n, mrw_feature_count(&four.levels[level]));
    EXPECT_EQ(std::memcmp(one.levels[level].data, two.levels[level].data, n * sizeof(float)), 0);
    EXPECT_EQ(std::memcmp(one.levels[level].data, four.levels[level].data, n * sizeof(float)), 0);
  }
}

TEST(Backbone, MissingTensorIsNamed) {
  // A model file whose config says ResNet-50 but whose weights are ResNet-18's.
  ModelFilePtr model = open_fixture("r18_fpn128.safetensors");
  ASSERT_TRUE(model);
  mrw_config config{};
  ASSERT_TRUE(parse_model_config(model.get(), &config));
  mrw_error err{};
  config.depth = 50;
  mrw_resnet resnet{};
  EXPECT_EQ(mrw_resnet_load(&resnet, model.get(), &config, &err), MRW_ERR_BAD_MODEL);
  // ResNet-18's layer1.0.conv1 is 3x3 where a bottleneck's is 1x1.
  std::string message = err.message;
  EXPECT_NE(message.find("'backbone.body.layer1.0.conv1.weight' has shape [64, 64, 3, 3], "
                         "expected [64, 64, 1, 1]"),
            std::string::npos)
      << message;
  mrw_config_free(&config);
}

}  // namespace
