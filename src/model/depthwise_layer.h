#ifndef MRW_MODEL_DEPTHWISE_LAYER_H
#define MRW_MODEL_DEPTHWISE_LAYER_H

#include "base/status.h"
#include "io/safetensors.h"
#include "kernels/depthwise.h"
#include "model/feature.h"
#include "model/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A depthwise convolution (no bias) + FrozenBatchNorm + activation, the BatchNorm folded
 * at load: Conv2dNormActivation(c, c, k, stride, groups=c) of MobileNetV3's blocks. */
typedef struct mrw_depthwise_layer {
  mrw_depthwise_shape shape; /* in_h, in_w are set per call */
  float *packed;             /* [k * k][channels] */
  float *bias;               /* [channels] */
  mrw_activation activation;
} mrw_depthwise_layer;

/* weight: name of the [c][1][k][k] tensor; bn: prefix of the BatchNorm's four tensors. */
mrw_status mrw_depthwise_layer_load(mrw_depthwise_layer *layer, const mrw_safetensors *file,
                                    const char *weight, const char *bn, float bn_eps,
                                    int channels, int kernel, int stride,
                                    mrw_activation activation, mrw_error *err);
void mrw_depthwise_layer_free(mrw_depthwise_layer *layer); /* a zeroed layer is a no-op */

/* Allocates out. */
mrw_status mrw_depthwise_layer_run(const mrw_depthwise_layer *layer, const mrw_feature *in,
                                   mrw_feature *out, mrw_runtime *rt, mrw_error *err);

#ifdef __cplusplus
}
#endif

#endif
