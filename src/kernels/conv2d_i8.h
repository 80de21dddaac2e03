#ifndef MRW_KERNELS_CONV2D_I8_H
#define MRW_KERNELS_CONV2D_I8_H

#include <stddef.h>
#include <stdint.h>

#include "base/thread_pool.h"
#include "kernels/conv2d.h"
#include "kernels/gemm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* int8 convolutions of any kernel size, stride and padding (those neither 1x1 stride 1 nor
 * Winograd's) on the integer GEMM: each output pixel's receptive field (kernel_h x kernel_w x
 * in_c values in (ky, kx, channel) order, zeros outside the image) is gathered and quantized
 * as one row (kernels/gemm_i8.h), then multiplied by the weights packed with
 * mrw_gemm_i8_pack_b in that depth order. Rows go in chunks, so memory stays bounded; a row's
 * result does not depend on its chunk or the thread count. */

/* The depth of a row: kernel_h * kernel_w * in_c. */
size_t mrw_conv2d_i8_depth(const mrw_conv_shape *s);

/* Scratch in bytes for a pool of `threads` threads. */
size_t mrw_conv2d_i8_workspace_bytes(const mrw_conv_shape *s, int threads);

/* input: [batch][h][w][in_c]; output: [batch][out_h][out_w][out_c]; packed_b: weights
 * [out_c][depth] (depth index (ky * kernel_w + kx) * in_c + ci) packed by mrw_gemm_i8_pack_b;
 * col_scales: [out_c]; workspace aligned as a float. */
void mrw_conv2d_i8(const mrw_conv_shape *s, const float *input, const int16_t *packed_b,
                   const float *col_scales, const mrw_epilogue *epilogue, float *output,
                   void *workspace, mrw_thread_pool *pool);

/* Scalar reference: every row gathered, then mrw_quantize_rows_ref and mrw_gemm_i8_ref.
 * weights: [out_c][in_c][kernel_h][kernel_w] int8 (torch's layout). */
void mrw_conv2d_i8_ref(const mrw_conv_shape *s, const float *input, const int8_t *weights,
                       const float *col_scales, const mrw_epilogue *epilogue, float *output);

#ifdef __cplusplus
}
#endif

#endif
