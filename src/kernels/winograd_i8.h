#ifndef MRW_KERNELS_WINOGRAD_I8_H
#define MRW_KERNELS_WINOGRAD_I8_H

#include <stddef.h>
#include <stdint.h>

#include "base/thread_pool.h"
#include "kernels/conv2d.h"
#include "kernels/gemm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* int8 3x3 convolutions (stride 1, padding 1) by Winograd F(2x2, 3x3) in integers.
 *
 * Each tile's 4x4 input patch (all its channels; zeros outside the image) is quantized as one
 * row when the layer runs (dynamic quantization: its largest magnitude maps to 127, as
 * mrw_quantize_rows does for a row), so a tile's scale follows the values around it; the
 * weights are the model file's int8 values with one scale per output channel. The patch d becomes
 * V = B^T d B (int16: at most 4 x 127), a kernel g becomes U = (2G) g (2G)^T, an integer
 * matrix (at most 9 x 127) because 2G = [2 0 0; 1 1 1; 1 -1 1; 0 0 2] has no halves, and the
 * 16 point-wise products are summed over input channels by i32x4.dot_i16x8_s. A^T M A is then
 * exactly 4 times the direct convolution of the quantized values, so the output equals that
 * direct convolution (the reference) bit for bit: (float)sum * (tile scale * channel scale),
 * then bias, residual, ReLU, the integer GEMM's epilogue.
 *
 * Integers wrap modulo 2^32 in the SIMD adds; the final sum is exact as long as it fits in
 * int32, which the channel bound below guarantees (9 * in_c * 127 * 127 * 4 < 2^31). */
#define MRW_WINOGRAD_I8_MAX_IN_C 2048

/* 3x3, stride 1, padding 1, at most MRW_WINOGRAD_I8_MAX_IN_C input channels. */
int mrw_winograd_i8_applies(const mrw_conv_shape *s);

/* One int8 kernel g [3][3] -> u [4][4] = (2G) g (2G)^T. */
void mrw_winograd_i8_kernel_transform(const int8_t *g, int16_t *u);

/* Transformed weights: [16 points][ceil(out_c / 8) panels][depth / 2][8][2] int16, the
 * integer GEMM's packed right operand per point (depth = in_c rounded up to 8, zero-padded). */
size_t mrw_winograd_i8_packed_count(const mrw_conv_shape *s);
void mrw_winograd_i8_pack_weights(const mrw_conv_shape *s, const int8_t *weights,
                                  int16_t *packed);

/* Scratch in bytes for a pool of `threads` threads and this shape's sizes: each input pixel's
 * largest magnitude, and per thread a band's transformed tiles, sums and scales. */
size_t mrw_winograd_i8_workspace_bytes(const mrw_conv_shape *s, int threads);

/* input: [batch][h][w][in_c] floats; output: [batch][h][w][out_c]; col_scales: [out_c];
 * residual (if any) in the output's layout with ldr. workspace: aligned as a float. Every output
 * is computed the same way whatever the thread count. */
void mrw_winograd_i8_conv2d(const mrw_conv_shape *s, const float *input, const int16_t *packed,
                            const float *col_scales, const mrw_epilogue *epilogue, float *output,
                            void *workspace, mrw_thread_pool *pool);

/* Scalar reference: each tile's patch quantized by mrw_quantize_rows_ref as one row, then the
 * direct 3x3 convolution of it in int32 and the same float epilogue. weights:
 * [out_c][in_c][3][3] int8. */
void mrw_winograd_i8_conv2d_ref(const mrw_conv_shape *s, const float *input,
                                const int8_t *weights, const float *col_scales,
                                const mrw_epilogue *epilogue, float *output);

#ifdef __cplusplus
}
#endif

#endif
