#ifndef MRW_MODEL_PASTE_H
#define MRW_MODEL_PASTE_H

#include "base/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The part of a pasted mask that lies inside the image: probabilities [height][width] whose
 * top-left pixel is (x, y) of the image. Empty (width or height 0) for a box outside. */
typedef struct mrw_mask_window {
  int x, y, width, height;
  float *probs;
} mrw_mask_window;

/* torchvision's paste_masks_in_image for one mask: the size x size map padded by one pixel,
 * its box (original-image coordinates) scaled by (size + 2) / size about its centre and cast
 * to integers, the padded map resized bilinearly (align_corners=False) to the integer box
 * (w = x2 - x1 + 1, h = y2 - y1 + 1, at least 1) and clipped to the image. */
mrw_status mrw_paste_mask(const float *mask, int size, const float box[4], int image_h,
                          int image_w, mrw_mask_window *out, mrw_error *err);
void mrw_mask_window_free(mrw_mask_window *w);

#ifdef __cplusplus
}
#endif

#endif
