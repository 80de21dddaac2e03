#ifndef MRW_MODEL_PREPROCESS_H
#define MRW_MODEL_PREPROCESS_H

#include <stdint.h>

#include "base/status.h"
#include "model/config.h"
#include "model/feature.h"
#include "model/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 8-bit pixels as the caller holds them: rows of `stride` bytes, RGB or RGBA. */
typedef struct mrw_image_view {
  const uint8_t *pixels;
  int width, height;
  int stride;   /* bytes per row */
  int channels; /* 3 (RGB) or 4 (RGBA; alpha ignored) */
} mrw_image_view;

/* The network input and where the image sits in it. */
typedef struct mrw_network_input {
  mrw_feature image;        /* [padded_h][padded_w][3], zero beyond the resized image */
  int resized_h, resized_w; /* torchvision's image_sizes */
} mrw_network_input;

/* The size torchvision resizes an image to: scale = min(min_size / short, max_size / long)
 * computed in float32 as torch evaluates it (a reciprocal times the size), then
 * floor(side * scale) in double. */
void mrw_resized_size(const mrw_config *config, int height, int width, int *resized_h,
                      int *resized_w);

/* torchvision's GeneralizedRCNNTransform on one image: value / 255, (x - mean) / std,
 * bilinear resize, zero padding to a multiple of size_divisible. */
mrw_status mrw_preprocess(const mrw_config *config, const mrw_image_view *image,
                          mrw_network_input *out, mrw_runtime *rt, mrw_error *err);

#ifdef __cplusplus
}
#endif

#endif
