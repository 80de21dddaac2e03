#ifndef MRW_KERNELS_WINOGRAD_H
#define MRW_KERNELS_WINOGRAD_H

#include <stddef.h>

#include "base/thread_pool.h"
#include "kernels/conv2d.h"
#include "kernels/gemm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Winograd F(2x2, 3x3) for 3x3 convolutions with stride 1 and padding 1. Each 2x2 block of
 * output pixels (a tile) comes from the 4x4 input patch around it: per channel the patch d is
 * transformed to V = B^T d B, multiplied point by point with the transformed kernels
 * U = G g G^T and summed over input channels (16 GEMMs, one per point: tiles x in_c times
 * in_c x out_c), and the 16 sums M are transformed back to Y = A^T M A. That is 16
 * multiplications per 2x2 outputs and channel pair instead of 36.
 *
 * The transforms add and subtract inputs before the products, so results differ from the
 * direct convolution by rounding (see the test for the bound); the optimized kernel and the
 * reference below compute every output with the same operations in the same order. */
#define MRW_WINOGRAD_POINTS 16

/* 3x3, stride 1, padding 1 (any sizes, batch and channel counts). */
int mrw_winograd_applies(const mrw_conv_shape *s);

/* One kernel g [3][3] -> u [4][4] = G g G^T, G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]. */
void mrw_winograd_kernel_transform(const float *g, float *u);

/* Transformed weights as 16 GEMM right operands: packed [16][mrw_gemm_packed_b_floats(in_c,
 * out_c)], point e holding U[e] [in_c][out_c] packed by panels of 8 output channels. */
size_t mrw_winograd_packed_floats(const mrw_conv_shape *s);
void mrw_winograd_pack_weights(const mrw_conv_shape *s, const float *weights, float *packed);

/* Scratch for a pool of `threads` threads, in floats: per thread a band's transformed input
 * and products (a few MB at most) and the GEMM's packing buffer. */
size_t mrw_winograd_workspace_floats(const mrw_conv_shape *s, int threads);

/* input: [batch][h][w][in_c]; output: [batch][h][w][out_c]; residual (if any) has the output's
 * layout with ldr. The tiles of the batch are cut into bands that the threads share; each
 * output is computed the same way whatever the thread count. */
void mrw_winograd_conv2d(const mrw_conv_shape *s, const float *input, const float *packed,
                         const mrw_epilogue *epilogue, float *output, float *workspace,
                         mrw_thread_pool *pool);

/* Scalar reference of the same algorithm. u: [16][in_c][out_c] from
 * mrw_winograd_transform_weights_ref. */
void mrw_winograd_transform_weights_ref(const mrw_conv_shape *s, const float *weights, float *u);
void mrw_winograd_conv2d_ref(const mrw_conv_shape *s, const float *input, const float *u,
                             const mrw_epilogue *epilogue, float *output);

#ifdef __cplusplus
}
#endif

#endif
