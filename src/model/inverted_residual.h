#ifndef MRW_MODEL_INVERTED_RESIDUAL_H
#define MRW_MODEL_INVERTED_RESIDUAL_H

#include "base/status.h"
#include "io/safetensors.h"
#include "kernels/activation.h"
#include "model/conv_layer.h"
#include "model/depthwise_layer.h"
#include "model/feature.h"
#include "model/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One row of MobileNetV3's block table (torchvision's InvertedResidualConfig, width 1). */
typedef struct mrw_inverted_residual_spec {
  int in_c, kernel, expanded, out_c;
  int squeeze_excite;
  mrw_activation activation; /* ReLU ("RE") or hardswish ("HS") */
  int stride;
} mrw_inverted_residual_spec;

/* torchvision's InvertedResidual: 1x1 expand + BN + activation (when expanded != in_c),
 * depthwise kxk (stride, padding k // 2) + BN + activation, optional SqueezeExcitation
 * (average pool, 1x1 conv + ReLU, 1x1 conv + hardsigmoid, channel scale), 1x1 project + BN,
 * plus the input when stride is 1 and in_c == out_c. */
typedef struct mrw_inverted_residual {
  mrw_inverted_residual_spec spec;
  int has_expand, residual, squeeze;
  mrw_conv_layer expand, project;
  mrw_depthwise_layer depthwise;
  float *se_w1, *se_b1, *se_w2, *se_b2; /* [squeeze][expanded], [squeeze], [expanded][squeeze], [expanded] */
} mrw_inverted_residual;

/* torchvision's _make_divisible(value, 8): the SE's squeeze channels of expanded // 4. */
int mrw_make_divisible8(int value);

/* prefix: the block's module name, e.g. "backbone.body.4" (tensors prefix.block.N...). */
mrw_status mrw_inverted_residual_load(mrw_inverted_residual *block, const mrw_safetensors *file,
                                      const char *prefix, const mrw_inverted_residual_spec *spec,
                                      float bn_eps, mrw_error *err);
void mrw_inverted_residual_free(mrw_inverted_residual *block);

/* Allocates out; x is left as it is. */
mrw_status mrw_inverted_residual_run(const mrw_inverted_residual *block, const mrw_feature *x,
                                     mrw_feature *out, mrw_runtime *rt, mrw_error *err);

#ifdef __cplusplus
}
#endif

#endif
