#ifndef MRW_MODEL_FPN_H
#define MRW_MODEL_FPN_H

#include "base/status.h"
#include "io/safetensors.h"
#include "model/config.h"
#include "model/conv_layer.h"
#include "model/feature.h"
#include "model/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* torchvision's FeaturePyramidNetwork with LastLevelMaxPool over the backbone's returned
 * stages (ResNet's layer1..layer4, MobileNetV3's two): 1x1 lateral ("inner") convs, nearest
 * upsampling to the lateral's exact size, 3x3 output ("layer") convs, and "pool" =
 * max_pool2d(last level, kernel 1, stride 2). */
typedef struct mrw_fpn {
  mrw_conv_layer inner[4];
  mrw_conv_layer layer[4];
  int inputs; /* stages in: config.fpn_levels - 1 */
} mrw_fpn;

/* Binds backbone.fpn.{inner,layer}_blocks.N.0.{weight,bias} (torchvision >= 0.13),
 * backbone.fpn.{inner,layer}_blocks.N.{weight,bias} (the legacy names), or with
 * config.fpn_norm (v2) N.0.weight and the BatchNorm N.1 folded into it. */
mrw_status mrw_fpn_load(mrw_fpn *fpn, const mrw_safetensors *file, const mrw_config *config,
                        const int in_channels[4], mrw_error *err);
void mrw_fpn_free(mrw_fpn *fpn);

/* levels[0..inputs - 1] from stages[0..inputs - 1], levels[inputs] = pool, the rest zeroed;
 * owned by the caller. */
mrw_status mrw_fpn_forward(const mrw_fpn *fpn, const mrw_feature stages[4],
                           mrw_feature levels[MRW_FPN_LEVELS], mrw_runtime *rt, mrw_error *err);
/* The same levels; the stages are freed on the way (each once the FPN has read it), whatever
 * the outcome. */
mrw_status mrw_fpn_forward_consuming(const mrw_fpn *fpn, mrw_feature stages[4],
                                     mrw_feature levels[MRW_FPN_LEVELS], mrw_runtime *rt,
                                     mrw_error *err);

/* The same in two steps, for a backbone that hands each stage over as soon as it is done
 * with it: stage `index` becomes its lateral convolution (over its own buffer where the
 * layer allows; freed on failure), then the top-down pass takes the laterals (freed whatever
 * the outcome). */
mrw_status mrw_fpn_lateral_consuming(const mrw_fpn *fpn, int index, mrw_feature *stage,
                                     mrw_runtime *rt, mrw_error *err);
mrw_status mrw_fpn_forward_laterals(const mrw_fpn *fpn, mrw_feature laterals[4],
                                    mrw_feature levels[MRW_FPN_LEVELS], mrw_runtime *rt,
                                    mrw_error *err);

#ifdef __cplusplus
}
#endif

#endif
