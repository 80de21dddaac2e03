// The v2 parts as the detector binds them: a model file whose weights do not fit its
// configuration is refused with the tensor named.
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "model/box_head.h"
#include "model/fpn.h"
#include "model/mask_head.h"
#include "model/rpn.h"
}
#include "support/fixtures.h"

namespace {

// The model file's config, changed by `edit`, and the message of the first part that refuses
// the weights (FPN, RPN, box head, mask head in turn), or "" when all of them bind.
template <typename Edit>
std::string first_refusal(const char *model_name, Edit edit) {
  ModelFilePtr model = open_fixture(model_name);
  if (!model) return "no fixture";
  mrw_config config{};
  if (!parse_model_config(model.get(), &config)) return "no config";
  edit(config);
  mrw_error err{};
  std::string message;
  const int in_channels[4] = {64, 128, 256, 512};  // ResNet-18
  mrw_fpn fpn{};
  mrw_rpn rpn{};
  mrw_box_head box{};
  mrw_mask_head mask{};
  if (mrw_fpn_load(&fpn, model.get(), &config, in_channels, &err) != MRW_OK ||
      mrw_rpn_load(&rpn, model.get(), &config, &err) != MRW_OK ||
      mrw_box_head_load(&box, model.get(), &config, &err) != MRW_OK ||
      mrw_mask_head_load(&mask, model.get(), &config, &err) != MRW_OK)
    message = err.message;
  mrw_fpn_free(&fpn);
  mrw_rpn_free(&rpn);
  mrw_box_head_free(&box);
  mrw_mask_head_free(&mask);
  mrw_config_free(&config);
  return message;
}

void expect_names(const std::string &message, const char *tensor) {
  EXPECT_NE(message.find(tensor), std::string::npos) << message;
}

TEST(V2Parts, BindTheirTensors) {
  EXPECT_EQ(first_refusal("r18v2_det.safetensors", [](mrw_config &) {}), "");
}

TEST(V2Parts, MissingTensorsAreNamed) {
  // v2 weights read as v1 parts: the biases v2 convolutions do not have
  expect_names(first_refusal("r18v2_det.safetensors", [](mrw_config &c) { c.fpn_norm = MRW_NORM_NONE; }),
               "tensor 'backbone.fpn.inner_blocks.0.0.bias' is missing");
  expect_names(first_refusal("r18v2_det.safetensors", [](mrw_config &c) { c.rpn_conv_depth = 3; }),
               "tensor 'rpn.head.conv.2.0.weight' is missing");
  expect_names(first_refusal("r18v2_det.safetensors", [](mrw_config &c) { c.box_head_conv_layers = 0; }),
               "tensor 'roi_heads.box_head.fc6.weight' is missing");
  expect_names(first_refusal("r18v2_det.safetensors", [](mrw_config &c) { c.box_head_norm = MRW_NORM_NONE; }),
               "tensor 'roi_heads.box_head.0.0.bias' is missing");
  expect_names(first_refusal("r18v2_det.safetensors", [](mrw_config &c) { c.box_head_conv_channels = 64; }),
               "tensor 'roi_heads.box_head.0.0.weight' has shape [128, 128, 3, 3], expected [64, 128, 3, 3]");
  expect_names(first_refusal("r18v2_det.safetensors", [](mrw_config &c) { c.mask_head_norm = MRW_NORM_NONE; }),
               "tensor 'roi_heads.mask_head.0.0.bias' is missing");
  // v1 weights read as v2 parts: the BatchNorms they do not have
  expect_names(first_refusal("r18_det.safetensors", [](mrw_config &c) { c.fpn_norm = MRW_NORM_BATCH; }),
               "tensor 'backbone.fpn.inner_blocks.0.1.weight' is missing");
  expect_names(first_refusal("r18_det.safetensors", [](mrw_config &c) { c.mask_head_norm = MRW_NORM_BATCH; }),
               "tensor 'roi_heads.mask_head.0.1.weight' is missing");
}

}  // namespace
