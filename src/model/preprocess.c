#include "model/preprocess.h"

#include <math.h>
#include <string.h>

#include "kernels/resize.h"

void mrw_resized_size(const mrw_config *config, int height, int width, int *resized_h,
                      int *resized_w) {
  float short_side = (float)(height < width ? height : width);
  float long_side = (float)(height < width ? width : height);
  /* torchvision writes self_min_size / min_size with a float32 tensor on the right, which
   * torch evaluates as reciprocal(min_size) * self_min_size: not the same rounding as a
   * division (480 -> 1.66666675 where 800.0f / 480.0f is 1.66666663, giving 800, not 799). */
  float scale = fminf((1.0f / short_side) * (float)config->min_size,
                      (1.0f / long_side) * (float)config->max_size);
  *resized_h = mrw_scaled_size(height, (double)scale);
  *resized_w = mrw_scaled_size(width, (double)scale);
}

static int round_up(int v, int multiple) { return (v + multiple - 1) / multiple * multiple; }

mrw_status mrw_preprocess(const mrw_config *config, const mrw_image_view *image,
                          mrw_network_input *out, mrw_runtime *rt, mrw_error *err) {
  memset(out, 0, sizeof *out);
  mrw_feature normalized = {0};
  mrw_status s = mrw_feature_alloc(&normalized, image->height, image->width, 3, err);
  if (s != MRW_OK) return s;
  for (int y = 0; y < image->height; y++) {
    const uint8_t *row = image->pixels + (size_t)y * image->stride;
    float *dst = normalized.data + (size_t)y * image->width * 3;
    for (int x = 0; x < image->width; x++)
      for (int c = 0; c < 3; c++) {
        float v = (float)row[(size_t)x * image->channels + c] / 255.0f;
        dst[x * 3 + c] = (v - config->mean[c]) / config->std[c];
      }
  }
  mrw_resized_size(config, image->height, image->width, &out->resized_h, &out->resized_w);
  if (out->resized_h < 1 || out->resized_w < 1) {
    mrw_feature_free(&normalized);
    return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT,
                         "image %dx%d resizes to nothing (%dx%d)", image->width, image->height,
                         out->resized_w, out->resized_h);
  }
  mrw_feature resized = {0};
  s = mrw_feature_alloc(&resized, out->resized_h, out->resized_w, 3, err);
  if (s == MRW_OK)
    s = mrw_feature_alloc(&out->image, round_up(out->resized_h, config->size_divisible),
                          round_up(out->resized_w, config->size_divisible), 3, err);
  if (s == MRW_OK) {
    mrw_resize_bilinear(normalized.data, image->height, image->width, 3, resized.data,
                        resized.h, resized.w, rt->pool);
    memset(out->image.data, 0, mrw_feature_count(&out->image) * sizeof(float));
    for (int y = 0; y < resized.h; y++)
      memcpy(out->image.data + (size_t)y * out->image.w * 3, resized.data + (size_t)y * resized.w * 3,
             (size_t)resized.w * 3 * sizeof(float));
  }
  mrw_feature_free(&resized);
  mrw_feature_free(&normalized);
  if (s != MRW_OK) mrw_feature_free(&out->image);
  return s;
}
