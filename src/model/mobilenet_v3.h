#ifndef MRW_MODEL_MOBILENET_V3_H
#define MRW_MODEL_MOBILENET_V3_H

#include "base/status.h"
#include "io/safetensors.h"
#include "model/config.h"
#include "model/conv_layer.h"
#include "model/feature.h"
#include "model/inverted_residual.h"
#include "model/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MRW_MOBILENET_V3_LARGE_BLOCKS 15

/* torchvision's mobilenet_v3_large().features as _mobilenet_extractor returns it for an FPN:
 * features[0] conv 3x3 stride 2 3->16 + BN + hardswish, features[1..15] the inverted
 * residual blocks, features[16] conv 1x1 160->960 + BN + hardswish. The extractor's
 * stage_indices are [0] + the stride-2 blocks + [16] = [0, 2, 4, 7, 13, 16]; it returns the
 * stages its returned_layers names (config.returned_stages), by default the last two:
 * features[13] (the block that brings the stride to 32, 160 channels) and features[16] (960
 * channels), both at output stride 32; stage 3 is features[7] (stride 16, 80 channels). */
typedef struct mrw_mobilenet_v3 {
  mrw_conv_layer stem;
  mrw_inverted_residual blocks[MRW_MOBILENET_V3_LARGE_BLOCKS];
  mrw_conv_layer last;
  int returned_count;
  int returned[MRW_FPN_LEVELS - 1];       /* features indices of the returned stages */
  int stage_channels[MRW_FPN_LEVELS - 1]; /* their channels: the FPN's inputs */
} mrw_mobilenet_v3;

/* Binds backbone.body.{0..N}.* with BatchNorm (eps config->bn_eps) folded, N the last returned
 * stage's features index (the extractor drops the features after it). */
mrw_status mrw_mobilenet_v3_load(mrw_mobilenet_v3 *net, const mrw_safetensors *file,
                                 const mrw_config *config, mrw_error *err);
void mrw_mobilenet_v3_free(mrw_mobilenet_v3 *net);

/* image: [H][W][3] normalized and padded. stages[0 .. returned_count - 1] receive the
 * returned features, owned by the caller. */
mrw_status mrw_mobilenet_v3_forward(const mrw_mobilenet_v3 *net, const mrw_feature *image,
                                    mrw_feature stages[MRW_FPN_LEVELS - 1], mrw_runtime *rt,
                                    mrw_error *err);

#ifdef __cplusplus
}
#endif

#endif
