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

/* int8 3x3 convolutions (stride 1, padding 1) by Winograd in integers, with output tiles of
 * tile x tile pixels: F(2x2, 3x3) (tile 2) or F(4x4, 3x3) (tile 4), the matrices of
 * kernels/winograd.h.
 *
 * Each tile's (tile + 2)^2 input patch (all its channels; zeros outside the image) is
 * quantized as one row when the layer runs (dynamic quantization: its largest magnitude maps
 * to 127, as mrw_quantize_rows does for a row), so a tile's scale follows the values around
 * it; the weights are the model file's int8 values with one scale per output channel. The
 * patch d becomes V = B^T d B in int16, a kernel g becomes U = (DG) g (DG)^T, an integer
 * matrix in int16, and the point-wise products are summed over input channels by
 * i32x4.dot_i16x8_s. A^T M A (with A scaled to undo D) is then exactly a fixed multiple of the
 * direct convolution of the quantized values, which is divided out exactly, so the output
 * equals that direct convolution (the reference) bit for bit: (float)sum * (tile scale *
 * channel scale), then bias, residual, ReLU, the integer GEMM's epilogue.
 *
 *   tile 2: DG = 2G = [2 0 0; 1 1 1; 1 -1 1; 0 0 2], |V| <= 4 x 127, |U| <= 9 x 128; the sums
 *           come out 4 times the direct ones.
 *   tile 4: DG = diag(24, 24, 24, 24, 24, 6) G = [6 0 0; -4 -4 -4; -4 4 -4; 1 2 4; 1 -2 4;
 *           0 0 6], |V| <= 100 x 127, |U| <= 144 x 128; A's last row is taken 4 times to undo
 *           the 6 (in place of 24), and the sums come out 576 times the direct ones.
 *
 * Integers wrap modulo 2^32 in the SIMD arithmetic (adds, subtractions, multiplications by
 * constants); what is divided out is recovered exactly as long as the direct sum is small
 * enough. Tile 2: it must fit in int32 after the factor 4, which the channel bound below
 * guarantees (9 * in_c * 127 * 128 * 4 < 2^31). Tile 4: the sum is recovered from its 26 low
 * bits (576 = 64 * 9: a shift, then the inverse of 9 modulo 2^32), so |sum| must stay below
 * 2^25; since every quantized input is within 127, a layer qualifies when 127 times the
 * largest sum of one output channel's weight magnitudes is below that
 * (mrw_winograd_i8_tile4_exact), which holds for any weights up to 231 input channels and
 * for trained weights far beyond. */
#define MRW_WINOGRAD_I8_MAX_IN_C 2048

/* 3x3, stride 1, padding 1, at most MRW_WINOGRAD_I8_MAX_IN_C input channels. */
int mrw_winograd_i8_applies(const mrw_conv_shape *s);

/* Whether tile 4 gives the direct sums for these weights [out_c][in_c][3][3] (see above). */
int mrw_winograd_i8_tile4_exact(const mrw_conv_shape *s, const int8_t *weights);

/* One int8 kernel g [3][3] -> u [(tile + 2)^2] = (DG) g (DG)^T. */
void mrw_winograd_i8_kernel_transform(int tile, const int8_t *g, int16_t *u);

/* Transformed weights: [points][ceil(out_c / 8) panels][depth / 2][8][2] int16, the integer
 * GEMM's packed right operand per point (depth = in_c rounded up to 8, zero-padded). */
size_t mrw_winograd_i8_packed_count(const mrw_conv_shape *s, int tile);
void mrw_winograd_i8_pack_weights(const mrw_conv_shape *s, int tile, const int8_t *weights,
                                  int16_t *packed);

/* Scratch in bytes for a pool of `threads` threads and this shape's sizes: each input pixel's
 * largest magnitude, and per thread a band's transformed tiles, sums and scales. */
size_t mrw_winograd_i8_workspace_bytes(const mrw_conv_shape *s, int tile, int threads);

/* input: [batch][h][w][in_c] floats; output: [batch][h][w][out_c]; col_scales: [out_c];
 * residual (if any) in the output's layout with ldr. workspace: aligned as a float. Every output
 * is computed the same way whatever the thread count. */
void mrw_winograd_i8_conv2d(const mrw_conv_shape *s, int tile, const float *input,
                            const int16_t *packed, const float *col_scales,
                            const mrw_epilogue *epilogue, float *output, void *workspace,
                            mrw_thread_pool *pool);

/* Output rows [row0, row0 + rows) of one image (s->batch 1) into output [rows][w][out_c] (the
 * residual, if any, in that layout too), reading the input rows around them as the whole
 * image's call does. With row0 a multiple of tile, and rows one too unless the window ends the
 * image, the tiles are the whole image's, each patch has the same scale (its own magnitudes)
 * and the window holds the bits of those rows of mrw_winograd_i8_conv2d. Its workspace is
 * mrw_winograd_i8_rows_workspace_bytes. */
size_t mrw_winograd_i8_rows_workspace_bytes(const mrw_conv_shape *s, int tile, int rows,
                                            int threads);
void mrw_winograd_i8_conv2d_rows(const mrw_conv_shape *s, int tile, const float *input, int row0,
                                 int rows, const int16_t *packed, const float *col_scales,
                                 const mrw_epilogue *epilogue, float *output, void *workspace,
                                 mrw_thread_pool *pool);
/* Scalar reference: each tile's patch quantized by mrw_quantize_rows_ref as one row, then the
 * direct 3x3 convolution of it in int32 and the same float epilogue. weights:
 * [out_c][in_c][3][3] int8. */
void mrw_winograd_i8_conv2d_ref(const mrw_conv_shape *s, int tile, const float *input,
                                const int8_t *weights, const float *col_scales,
                                const mrw_epilogue *epilogue, float *output);

#ifdef __cplusplus
}
#endif

#endif
