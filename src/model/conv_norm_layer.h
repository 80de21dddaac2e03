#ifndef MRW_MODEL_CONV_NORM_LAYER_H
#define MRW_MODEL_CONV_NORM_LAYER_H

#include "base/status.h"
#include "io/safetensors.h"
#include "model/config.h"
#include "model/conv_layer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* torchvision's Conv2dNormActivation (stride 1, padding kernel / 2) bound as one convolution:
 * prefix.0 is the Conv2d, with its own bias when norm is MRW_NORM_NONE; with MRW_NORM_BATCH it
 * has none and prefix.1 is a BatchNorm2d (eval mode: running statistics) folded into it.
 * map_pixels as in mrw_conv_spec. */
mrw_status mrw_conv_norm_layer_load(mrw_conv_layer *layer, const mrw_safetensors *file,
                                    const char *prefix, mrw_conv_norm norm, float bn_eps,
                                    int in_c, int out_c, int kernel, int map_pixels,
                                    mrw_error *err);

#ifdef __cplusplus
}
#endif

#endif
