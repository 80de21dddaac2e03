#ifndef MRW_MODEL_RESNET_H
#define MRW_MODEL_RESNET_H

#include "base/status.h"
#include "io/safetensors.h"
#include "model/config.h"
#include "model/conv_layer.h"
#include "model/feature.h"
#include "model/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* torchvision's ResNet "v1.5" body (stride in the 3x3 convolution) with FrozenBatchNorm
 * folded: basic blocks for depth 18/34, bottlenecks for 50/101. */
typedef struct mrw_resnet_block {
  mrw_conv_layer conv[3]; /* conv1..conv2 (basic) or conv1..conv3 (bottleneck) */
  int conv_count;
  mrw_conv_layer downsample;
  int has_downsample;
} mrw_resnet_block;

typedef struct mrw_resnet {
  mrw_conv_layer stem; /* conv1 7x7 stride 2 + bn1 */
  mrw_resnet_block *blocks;
  int stage_first_block[5]; /* blocks of stage s are [first[s], first[s + 1]) */
  int stage_channels[4];    /* output channels of layer1..layer4 */
} mrw_resnet;

/* Binds backbone.body.* (the same names in both torchvision namings), releasing each block's
 * tensors from the file once the block is built (mrw_safetensors_release). */
mrw_status mrw_resnet_load(mrw_resnet *net, mrw_safetensors *file,
                           const mrw_config *config, mrw_error *err);
void mrw_resnet_free(mrw_resnet *net);

/* Called once the body has read a stage's output for the last time, stages 0 to 3 in order
 * (each after the next stage's first block; the last at the end). It may replace the stage
 * with a map of its own (the FPN's lateral convolution of it). */
typedef struct mrw_stage_done {
  mrw_status (*run)(void *ctx, int stage, mrw_feature *out, mrw_runtime *rt, mrw_error *err);
  void *ctx;
} mrw_stage_done;

/* image: [H][W][3] normalized and padded. stages[s] receives layer(s+1)'s output, owned by the
 * caller. stem, if not NULL, receives the output of conv1 + bn1 + relu + maxpool. */
mrw_status mrw_resnet_forward(const mrw_resnet *net, const mrw_feature *image,
                              mrw_feature stages[4], mrw_feature *stem, mrw_runtime *rt,
                              mrw_error *err);
/* The same, freeing the image's pixels (its data; its sizes stay) once the stem has read them,
 * so that the input is not held through the stages, and handing each stage to `done` (may be
 * NULL) once read: stages[] then holds what `done` left. On failure stages[] is empty. */
mrw_status mrw_resnet_forward_consuming(const mrw_resnet *net, mrw_feature *image,
                                        const mrw_stage_done *done, mrw_feature stages[4],
                                        mrw_runtime *rt, mrw_error *err);

#ifdef __cplusplus
}
#endif

#endif
