#ifndef MRW_KERNELS_RESIZE_H
#define MRW_KERNELS_RESIZE_H

#include "base/thread_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* torch.nn.functional.interpolate(mode="nearest", size=(out_h, out_w)) on a channels-last
 * image: source index min(floor(dst * (float)in / out), in - 1).
 * input: [in_h][in_w][c]; output: [out_h][out_w][c]. */
void mrw_upsample_nearest(const float *input, int in_h, int in_w, int c, float *output,
                          int out_h, int out_w, mrw_thread_pool *pool);
void mrw_upsample_nearest_ref(const float *input, int in_h, int in_w, int c, float *output,
                              int out_h, int out_w);
/* The same sampling added to what output holds: output += upsample(input) (the FPN's top-down
 * path, without a buffer for the upsampled map). */
void mrw_upsample_nearest_add(const float *input, int in_h, int in_w, int c, float *output,
                              int out_h, int out_w, mrw_thread_pool *pool);
void mrw_upsample_nearest_add_ref(const float *input, int in_h, int in_w, int c, float *output,
                                  int out_h, int out_w);

/* torch's bilinear interpolate with align_corners=False where the scale is recomputed from
 * the sizes (recompute_scale_factor=True): src = max((dst + 0.5) * in / out - 0.5, 0),
 * rounded as torch's CPU kernel does it. input: [in_h][in_w][c]; output: [out_h][out_w][c]. */
void mrw_resize_bilinear(const float *input, int in_h, int in_w, int c, float *output,
                         int out_h, int out_w, mrw_thread_pool *pool);
/* Rows [y0, y1) and columns [x0, x1) of the same out_h x out_w resize, written densely to
 * output [y1 - y0][x1 - x0][c] (mask paste-back needs only the part inside the image). */
void mrw_resize_bilinear_window(const float *input, int in_h, int in_w, int c, int out_h,
                                int out_w, int y0, int y1, int x0, int x1, float *output,
                                mrw_thread_pool *pool);
void mrw_resize_bilinear_ref(const float *input, int in_h, int in_w, int c, float *output,
                             int out_h, int out_w);

/* Output side of torchvision's resize: floor(in * scale) with the scale a double. */
int mrw_scaled_size(int in, double scale);

#ifdef __cplusplus
}
#endif

#endif
