// The MobileNetV3-Large backbone as the detector binds it: a model file whose weights do not
// fit is refused with the tensor named, and the FPN levels do not depend on the thread count.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

extern "C" {
#include "model/detector.h"
}
#include "support/fixtures.h"

namespace {

TEST(MobileNetV3, MissingTensorIsNamed) {
  // A model file whose config says MobileNetV3 but whose weights are a ResNet-18's.
  ModelFilePtr model = open_fixture("r18_fpn128.safetensors");
  ASSERT_TRUE(model);
  mrw_config config{};
  ASSERT_TRUE(parse_model_config(model.get(), &config));
  mrw_error err{};
  config.backbone = MRW_BACKBONE_MOBILENET_V3_LARGE;
  mrw_mobilenet_v3 net{};
  EXPECT_EQ(mrw_mobilenet_v3_load(&net, model.get(), &config, &err), MRW_ERR_BAD_MODEL);
  EXPECT_NE(std::string(err.message).find("tensor 'backbone.body.0.0.weight' is missing"),
            std::string::npos)
      << err.message;
  mrw_config_free(&config);
}

TEST(MobileNetV3, ReturnsFeatures13And16) {
  ModelFilePtr model = open_fixture("mnv3_light_det.safetensors");
  ASSERT_TRUE(model);
  mrw_detector d{};
  mrw_error err{};
  ASSERT_EQ(mrw_detector_load(&d, model.get(), &err), MRW_OK) << err.message;
  EXPECT_EQ(d.mobilenet.returned[0], 13);
  EXPECT_EQ(d.mobilenet.returned[1], 16);
  EXPECT_EQ(d.mobilenet.stage_channels[0], 160);
  EXPECT_EQ(d.mobilenet.stage_channels[1], 960);
  // squeeze channels _make_divisible(expanded // 4, 8): 72 -> 24, 120 -> 32, 672 -> 168
  EXPECT_EQ(d.mobilenet.blocks[3].squeeze, 24);
  EXPECT_EQ(d.mobilenet.blocks[4].squeeze, 32);
  EXPECT_EQ(d.mobilenet.blocks[12].squeeze, 168);
  EXPECT_EQ(d.mobilenet.blocks[0].has_expand, 0);
  EXPECT_EQ(d.mobilenet.blocks[0].residual, 1);
  EXPECT_EQ(d.mobilenet.blocks[1].residual, 0);
  mrw_detector_free(&d);
}

// Backbone + FPN levels of one image on a pool of `threads`.
void run_levels(const mrw_detector &d, const mrw_image_view &image, int threads,
                mrw_feature levels[MRW_FPN_LEVELS]) {
  mrw_runtime rt{};
  mrw_error err{};
  mrw_network_input input{};
  mrw_feature stages[4]{};
  ASSERT_EQ(mrw_runtime_init(&rt, threads, &err), MRW_OK) << err.message;
  ASSERT_EQ(mrw_preprocess(&d.config, &image, &input, &rt, &err), MRW_OK) << err.message;
  ASSERT_EQ(mrw_detector_backbone(&d, &input.image, stages, &rt, &err), MRW_OK) << err.message;
  ASSERT_EQ(mrw_fpn_forward_consuming(&d.fpn, stages, levels, &rt, &err), MRW_OK) << err.message;
  mrw_feature_free(&input.image);
  mrw_runtime_free(&rt);
}

TEST(MobileNetV3, SameLevelsOnAnyThreadCount) {
  ModelFilePtr io = open_fixture("e2e_mnv3_light_portrait.safetensors");
  ModelFilePtr model = open_fixture("mnv3_light_det.safetensors");
  ASSERT_TRUE(io && model);
  mrw_detector d{};
  mrw_error err{};
  ASSERT_EQ(mrw_detector_load(&d, model.get(), &err), MRW_OK) << err.message;
  const mrw_tensor_view *pixels = mrw_safetensors_find(io.get(), "image");
  ASSERT_NE(pixels, nullptr);
  mrw_image_view image{static_cast<const uint8_t *>(pixels->data), int(pixels->shape[1]),
                       int(pixels->shape[0]), int(pixels->shape[1]) * 3, 3};
  mrw_feature one[MRW_FPN_LEVELS]{}, three[MRW_FPN_LEVELS]{};
  run_levels(d, image, 1, one);
  run_levels(d, image, 3, three);
  for (int level = 0; level < d.config.fpn_levels; level++) {
    size_t n = mrw_feature_count(&one[level]);
    ASSERT_GT(n, 0u);
    ASSERT_EQ(n, mrw_feature_count(&three[level]));
    EXPECT_EQ(std::memcmp(one[level].data, three[level].data, n * sizeof(float)), 0) << level;
  }
  for (int level = d.config.fpn_levels; level < MRW_FPN_LEVELS; level++)
    EXPECT_EQ(one[level].data, nullptr);  // no levels beyond 'pool'
  for (int level = 0; level < MRW_FPN_LEVELS; level++) {
    mrw_feature_free(&one[level]);
    mrw_feature_free(&three[level]);
  }
  mrw_detector_free(&d);
}

}  // namespace
