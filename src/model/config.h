#ifndef MRW_MODEL_CONFIG_H
#define MRW_MODEL_CONFIG_H

#include "base/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MRW_FPN_LEVELS 5    /* the most FPN outputs: ResNet's P2..P5 and the extra "pool" */
#define MRW_MAX_RATIOS 8
#define MRW_MAX_ANCHOR_SIZES 8
#define MRW_MAX_RPN_CONV_DEPTH 4
#define MRW_MOBILENET_STAGES 6 /* _mobilenet_extractor's stage_indices of mobilenet_v3_large */

/* The backbone under the FPN. */
typedef enum mrw_backbone_kind {
  MRW_BACKBONE_RESNET,             /* layer1..layer4 -> FPN levels '0'..'3' + 'pool' */
  MRW_BACKBONE_MOBILENET_V3_LARGE  /* returned stages (default features[13], features[16])
                                      -> '0', '1', ... + 'pool' */
} mrw_backbone_kind;

/* What follows a convolution of the FPN or a RoI head: its own bias (v1), or a BatchNorm
 * (Conv2dNormActivation with norm_layer=BatchNorm2d, v2) folded into it at load. */
typedef enum mrw_conv_norm {
  MRW_NORM_NONE,
  MRW_NORM_BATCH
} mrw_conv_norm;

/* The configuration a model file carries as JSON in __metadata__["config"]. */
typedef struct mrw_config {
  /* architecture */
  mrw_backbone_kind backbone;
  int depth;              /* ResNet depth: 18, 34, 50 or 101 (0 for MobileNetV3) */
  float bn_eps;           /* BatchNorm eps (every BatchNorm), folded into the convolutions at load */
  int fpn_channels;
  mrw_conv_norm fpn_norm; /* after the FPN's inner and layer convolutions */
  int fpn_levels;         /* FPN outputs including "pool": 5 (ResNet); MobileNetV3 the
                             returned stages + 1 (3 by default) */
  /* MobileNetV3: the extractor's returned_layers, fpn_levels - 1 increasing stages of 0..5
   * (stage_indices [0, 2, 4, 7, 13, 16] into features; default 4, 5) */
  int returned_stages[MRW_FPN_LEVELS - 1];
  /* anchor sizes of each level, anchor_sizes_per_level of them: one per level for ResNet,
   * all of them on every level for MobileNetV3 (torchvision's two builders) */
  int anchor_sizes[MRW_FPN_LEVELS][MRW_MAX_ANCHOR_SIZES];
  int anchor_sizes_per_level;
  int aspect_ratio_count;
  float aspect_ratios[MRW_MAX_RATIOS];
  int rpn_conv_depth;     /* 3x3 conv + ReLU layers of the RPN head: 1 (v1) or 2 (v2) */
  int box_head;           /* representation size of fc6/fc7, or of the conv head's one fc */
  /* FastRCNNConvFCHead (v2): box_head_conv_layers 3x3 convs of box_head_conv_channels (+ norm,
   * ReLU) on the 7x7 RoI, then one fully connected layer; 0 layers = TwoMLPHead (v1) */
  int box_head_conv_layers;
  int box_head_conv_channels;
  mrw_conv_norm box_head_norm;
  mrw_conv_norm mask_head_norm;
  int mask_head_channels;
  int mask_head_layers;
  int mask_predictor_channels; /* MaskRCNNPredictor's dim_reduced (the transposed conv's out) */
  int num_classes;        /* including background */
  int legacy_names;       /* weights use the pre-0.13 torchvision names */
  /* preprocess */
  int min_size, max_size;
  float mean[3], std[3];
  int size_divisible;
  /* postprocess; doubles as torchvision holds them (tensor comparisons cast to float) */
  int rpn_pre_nms_top_n, rpn_post_nms_top_n;
  double rpn_nms_thresh, rpn_score_thresh, rpn_min_size;
  double box_score_thresh, box_nms_thresh, box_min_size;
  int box_detections_per_img;
  double mask_threshold;
  /* class names, num_classes of them, owned */
  char **labels;
} mrw_config;

/* Parses and validates the JSON text; every missing or out-of-range field is refused with a
 * message that names it. On success the caller frees with mrw_config_free. */
mrw_status mrw_config_parse(const char *json, size_t length, mrw_config *config,
                            mrw_error *err);
void mrw_config_free(mrw_config *config);

/* Anchors per feature position: sizes per level x aspect ratios. */
int mrw_anchors_per_position(const mrw_config *config);

/* The pixels of the backbone's map that feeds FPN level `level` (0 .. fpn_levels - 2) at
 * least, for an image of the model's min_size square: (min_size / stride)^2 with the level's
 * output stride (ResNet layer1..layer4: 4..32; MobileNetV3 stage k: 2^(k + 1), at most 32). */
int mrw_config_level_map_pixels(const mrw_config *config, int level);

/* Blocks per ResNet stage for a depth, 0 when the depth is not supported. */
int mrw_resnet_stage_blocks(int depth, int stage);
int mrw_resnet_is_bottleneck(int depth);

#ifdef __cplusplus
}
#endif

#endif
