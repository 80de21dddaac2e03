#include "model/paste.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/resize.h"

mrw_status mrw_paste_mask(const float *mask, int size, const float box[4], int image_h,
                          int image_w, mrw_mask_window *out, mrw_error *err) {
  memset(out, 0, sizeof *out);
  int padded_size = size + 2;
  float scale = (float)((double)padded_size / (double)size);
  float w_half = (box[2] - box[0]) * 0.5f, h_half = (box[3] - box[1]) * 0.5f;
  float x_c = (box[2] + box[0]) * 0.5f, y_c = (box[3] + box[1]) * 0.5f;
  w_half *= scale;
  h_half *= scale;
  /* .to(torch.int64) truncates toward zero */
  int64_t bx0 = (int64_t)(x_c - w_half), by0 = (int64_t)(y_c - h_half);
  int64_t bx1 = (int64_t)(x_c + w_half), by1 = (int64_t)(y_c + h_half);
  int64_t w = bx1 - bx0 + 1, h = by1 - by0 + 1;
  if (w < 1) w = 1;
  if (h < 1) h = 1;
  int64_t x0 = bx0 > 0 ? bx0 : 0, y0 = by0 > 0 ? by0 : 0;
  int64_t x1 = bx1 + 1 < image_w ? bx1 + 1 : image_w, y1 = by1 + 1 < image_h ? by1 + 1 : image_h;
  if (x1 <= x0 || y1 <= y0 || w > INT32_MAX || h > INT32_MAX) return MRW_OK;
  float *padded = calloc((size_t)padded_size * padded_size, sizeof(float));
  out->probs = malloc((size_t)(x1 - x0) * (size_t)(y1 - y0) * sizeof(float));
  if (!padded || !out->probs) {
    free(padded);
    mrw_mask_window_free(out);
    return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory pasting a mask");
  }
  for (int y = 0; y < size; y++)
    memcpy(padded + (size_t)(y + 1) * padded_size + 1, mask + (size_t)y * size, (size_t)size * sizeof(float));
  mrw_resize_bilinear_window(padded, padded_size, padded_size, 1, (int)h, (int)w, (int)(y0 - by0),
                             (int)(y1 - by0), (int)(x0 - bx0), (int)(x1 - bx0), out->probs, NULL);
  free(padded);
  out->x = (int)x0;
  out->y = (int)y0;
  out->width = (int)(x1 - x0);
  out->height = (int)(y1 - y0);
  return MRW_OK;
}

void mrw_mask_window_free(mrw_mask_window *w) {
  if (!w) return;
  free(w->probs);
  memset(w, 0, sizeof *w);
}
