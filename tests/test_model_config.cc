// The model configuration reader: the backbone field and what follows from it, and messages
// that name the field at fault.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

extern "C" {
#include "model/config.h"
}

namespace {

// A complete configuration; `architecture` is the inside of its architecture object.
std::string config_json(const std::string &architecture) {
  return "{\"architecture\": {" + architecture +
         "}, \"preprocess\": {\"min_size\": 320, \"max_size\": 640, \"mean\": [0.485, 0.456, 0.406], "
         "\"std\": [0.229, 0.224, 0.225], \"size_divisible\": 32}, \"postprocess\": "
         "{\"rpn_pre_nms_top_n\": 150, \"rpn_post_nms_top_n\": 150, \"rpn_nms_thresh\": 0.7, "
         "\"rpn_score_thresh\": 0.05, \"rpn_min_size\": 0.001, \"box_score_thresh\": 0.05, "
         "\"box_nms_thresh\": 0.5, \"box_min_size\": 0.01, \"box_detections_per_img\": 100, "
         "\"mask_threshold\": 0.5}, \"labels\": [\"__background__\", \"a\", \"b\"]}";
}

const char kHeads[] =
    "\"bn_eps\": 1e-5, \"fpn_channels\": 256, \"anchor_sizes\": [32, 64, 128, 256, 512], "
    "\"aspect_ratios\": [0.5, 1.0, 2.0], \"box_head\": 1024, \"mask_head_channels\": 256, "
    "\"mask_head_layers\": 4, \"num_classes\": 3, \"weight_names\": \"torchvision\"";

struct Parsed {
  mrw_config config{};
  mrw_error err{};
  mrw_status status;
  explicit Parsed(const std::string &architecture) {
    std::string json = config_json(architecture);
    status = mrw_config_parse(json.c_str(), json.size(), &config, &err);
  }
  ~Parsed() { mrw_config_free(&config); }
};

TEST(ModelConfig, AbsentBackboneIsResNet) {
  Parsed p(std::string("\"depth\": 50, ") + kHeads);
  ASSERT_EQ(p.status, MRW_OK) << p.err.message;
  EXPECT_EQ(p.config.backbone, MRW_BACKBONE_RESNET);
  EXPECT_EQ(p.config.depth, 50);
  EXPECT_EQ(p.config.fpn_levels, 5);
  EXPECT_EQ(p.config.anchor_sizes_per_level, 1);
  EXPECT_EQ(p.config.anchor_sizes[0][0], 32);
  EXPECT_EQ(p.config.anchor_sizes[4][0], 512);
  EXPECT_EQ(mrw_anchors_per_position(&p.config), 3);
  EXPECT_EQ(p.config.mask_predictor_channels, 256);  // absent: the mask head's width
}

TEST(ModelConfig, MobileNetV3HasAllSizesOnThreeLevels) {
  Parsed p(std::string("\"backbone\": \"mobilenet_v3_large\", \"mask_predictor_channels\": 32, ") +
           kHeads);
  ASSERT_EQ(p.status, MRW_OK) << p.err.message;
  EXPECT_EQ(p.config.backbone, MRW_BACKBONE_MOBILENET_V3_LARGE);
  EXPECT_EQ(p.config.fpn_levels, 3);
  EXPECT_EQ(p.config.anchor_sizes_per_level, 5);
  for (int level = 0; level < 3; level++) {
    EXPECT_EQ(p.config.anchor_sizes[level][0], 32);
    EXPECT_EQ(p.config.anchor_sizes[level][4], 512);
  }
  EXPECT_EQ(mrw_anchors_per_position(&p.config), 15);
  EXPECT_EQ(p.config.mask_predictor_channels, 32);
}

TEST(ModelConfig, MobileNetV3ReturnedStagesSetTheLevels) {
  Parsed p(std::string("\"backbone\": \"mobilenet_v3_large\", \"returned_stages\": [1, 3, 5], ") +
           kHeads);
  ASSERT_EQ(p.status, MRW_OK) << p.err.message;
  EXPECT_EQ(p.config.fpn_levels, 4);
  EXPECT_EQ(p.config.returned_stages[0], 1);
  EXPECT_EQ(p.config.returned_stages[1], 3);
  EXPECT_EQ(p.config.returned_stages[2], 5);
  EXPECT_EQ(p.config.anchor_sizes[3][4], 512);  // all five sizes on the pool level too
  Parsed absent(std::string("\"backbone\": \"mobilenet_v3_large\", ") + kHeads);
  ASSERT_EQ(absent.status, MRW_OK) << absent.err.message;
  EXPECT_EQ(absent.config.returned_stages[0], 4);  // the extractor's default, the last two
  EXPECT_EQ(absent.config.returned_stages[1], 5);
}

void expect_refused(const std::string &architecture, mrw_status status, const char *names) {
  Parsed p(architecture);
  EXPECT_EQ(p.status, status) << architecture;
  EXPECT_NE(std::strstr(p.err.message, names), nullptr) << p.err.message;
}

TEST(ModelConfig, AbsentV2FieldsKeepTheV1Parts) {
  Parsed p(std::string("\"depth\": 50, ") + kHeads);
  ASSERT_EQ(p.status, MRW_OK) << p.err.message;
  EXPECT_EQ(p.config.fpn_norm, MRW_NORM_NONE);
  EXPECT_EQ(p.config.rpn_conv_depth, 1);
  EXPECT_EQ(p.config.box_head_conv_layers, 0);
  EXPECT_EQ(p.config.mask_head_norm, MRW_NORM_NONE);
}

// The fields convert.py writes for maskrcnn_resnet50_fpn_v2.
TEST(ModelConfig, V2Parts) {
  Parsed p(std::string("\"depth\": 50, ") + kHeads +
           ", \"fpn_norm\": \"batch_norm\", \"rpn_conv_depth\": 2, \"box_head_conv_layers\": 4, "
           "\"box_head_conv_channels\": 256, \"box_head_norm\": \"batch_norm\", "
           "\"mask_head_norm\": \"batch_norm\"");
  ASSERT_EQ(p.status, MRW_OK) << p.err.message;
  EXPECT_EQ(p.config.fpn_norm, MRW_NORM_BATCH);
  EXPECT_EQ(p.config.rpn_conv_depth, 2);
  EXPECT_EQ(p.config.box_head_conv_layers, 4);
  EXPECT_EQ(p.config.box_head_conv_channels, 256);
  EXPECT_EQ(p.config.box_head_norm, MRW_NORM_BATCH);
  EXPECT_EQ(p.config.mask_head_norm, MRW_NORM_BATCH);
}

TEST(ModelConfig, BadV2FieldsAreNamed) {
  std::string v1 = std::string("\"depth\": 50, ") + kHeads;
  expect_refused(v1 + ", \"fpn_norm\": \"group_norm\"", MRW_ERR_BAD_MODEL,
                 "architecture.fpn_norm \"group_norm\"");
  expect_refused(v1 + ", \"mask_head_norm\": 1", MRW_ERR_BAD_MODEL, "architecture.mask_head_norm");
  expect_refused(v1 + ", \"rpn_conv_depth\": 0", MRW_ERR_BAD_MODEL, "architecture.rpn_conv_depth");
  expect_refused(v1 + ", \"box_head_conv_layers\": 4", MRW_ERR_BAD_MODEL,
                 "architecture.box_head_conv_channels");
  std::string legacy = v1;
  legacy.replace(legacy.find("\"torchvision\""), 13, "\"legacy\"");
  expect_refused(legacy + ", \"rpn_conv_depth\": 2", MRW_ERR_BAD_MODEL, "weight_names");
}

TEST(ModelConfig, BadFieldsAreNamed) {
  expect_refused(std::string("\"backbone\": \"vgg\", ") + kHeads, MRW_ERR_UNSUPPORTED,
                 "architecture.backbone \"vgg\"");
  expect_refused(std::string("\"backbone\": 7, ") + kHeads, MRW_ERR_BAD_MODEL,
                 "architecture.backbone");
  expect_refused(std::string("\"backbone\": \"resnet\", ") + kHeads, MRW_ERR_BAD_MODEL,
                 "architecture.depth");
  expect_refused(std::string("\"depth\": 50, \"mask_predictor_channels\": 0, ") + kHeads,
                 MRW_ERR_BAD_MODEL, "architecture.mask_predictor_channels");
  std::string nine_sizes = kHeads;
  nine_sizes.replace(nine_sizes.find("[32, 64, 128, 256, 512]"), 23,
                     "[1, 2, 3, 4, 5, 6, 7, 8, 9]");
  expect_refused("\"backbone\": \"mobilenet_v3_large\", " + nine_sizes, MRW_ERR_BAD_MODEL,
                 "architecture.anchor_sizes");
  const std::string mobilenet = "\"backbone\": \"mobilenet_v3_large\", \"returned_stages\": ";
  for (const char *stages : {"[4, 3]", "[4, 4]", "[6]", "[-1, 5]", "[2.5, 5]", "[]",
                             "[1, 2, 3, 4, 5]", "\"4,5\""})
    expect_refused(mobilenet + stages + ", " + kHeads, MRW_ERR_BAD_MODEL,
                   "architecture.returned_stages");
}

}  // namespace
