#ifndef MRW_KERNELS_WINOGRAD_H
#define MRW_KERNELS_WINOGRAD_H

#include <stddef.h>

#include "base/thread_pool.h"
#include "kernels/conv2d.h"
#include "kernels/gemm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Winograd F(m x m, 3x3) for 3x3 convolutions with stride 1 and padding 1, with output tiles
 * of m = 2 or m = 4. Each m x m block of output pixels (a tile) comes from the (m + 2) x
 * (m + 2) input patch around it: per channel the patch d is transformed to V = B^T d B,
 * multiplied point by point with the transformed kernels U = G g G^T and summed over input
 * channels ((m + 2)^2 GEMMs, one per point: tiles x in_c times in_c x out_c), and the sums M
 * are transformed back to Y = A^T M A. Per output and channel pair that is 4 multiplications
 * for m = 2 (16 per 4 outputs) and 2.25 for m = 4 (36 per 16), instead of 9.
 *
 *   m = 2: B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; .5 .5 .5; .5 -.5 .5;
 *          0 0 1], A^T = [1 1 1 0; 0 1 -1 -1]
 *   m = 4: B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0;
 *          0 4 0 -5 0 1], G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6;
 *          1/24 -1/12 1/6; 0 0 1], A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0;
 *          0 1 -1 8 -8 1] (points 0, 1, -1, 2, -2 and infinity)
 *
 * The transforms add, subtract and scale inputs before the products, so results differ from
 * the direct convolution by rounding, more for m = 4 (see the test for the bounds); the
 * optimized kernel and the reference below compute every output with the same operations in
 * the same order. */
#define MRW_WINOGRAD_MAX_POINTS 36

/* 3x3, stride 1, padding 1 (any sizes, batch and channel counts). */
int mrw_winograd_applies(const mrw_conv_shape *s);

/* The output tile edges there are kernels for: 2 and 4. */
int mrw_winograd_tile_supported(int tile);
/* (tile + 2)^2: the points of the transform, and the GEMMs per band. */
int mrw_winograd_points(int tile);

/* One kernel g [3][3] -> u [tile + 2][tile + 2] = G g G^T. */
void mrw_winograd_kernel_transform(int tile, const float *g, float *u);

/* Transformed weights as the GEMMs' right operands: packed [points][mrw_gemm_packed_b_floats(
 * in_c, out_c)], point e holding U[e] [in_c][out_c] packed by panels of 8 output channels.
 * Packing splits the output panels among the pool's threads (pool may be NULL). */
size_t mrw_winograd_packed_floats(const mrw_conv_shape *s, int tile);
void mrw_winograd_pack_weights(const mrw_conv_shape *s, int tile, const float *weights,
                               float *packed, mrw_thread_pool *pool);

/* The weights [out_c][in_c][3][3] regrouped by panels of 8 output channels: [ceil(out_c / 8)]
 * [in_c][9][8], a row of 8 output channels per tap, missing channels zero. From that layout
 * mrw_winograd_pack_panels transforms 8 output channels at once, with SIMD: the bits of
 * mrw_winograd_pack_weights, written a row of 8 at a time (for weights transformed per call). */
size_t mrw_winograd_panel_floats(const mrw_conv_shape *s);
void mrw_winograd_group_panels(const mrw_conv_shape *s, const float *weights, float *panels);
void mrw_winograd_pack_panels(const mrw_conv_shape *s, int tile, const float *panels,
                              float *packed, mrw_thread_pool *pool);

/* Scratch for a pool of `threads` threads, in floats: per thread a band's transformed input
 * and products (a few MB at most; the GEMMs read the transformed input in place). */
size_t mrw_winograd_workspace_floats(const mrw_conv_shape *s, int tile, int threads);

/* How a Winograd call (float or int8) splits its tiles into bands, the tasks of its parallel
 * loop: each band at most `most` tiles (the per-thread budget, rounded down to a group of 4,
 * at least one), about two a thread where each
 * keeps at least MRW_WINOGRAD_BAND_MIN_TILES, and as many bands as a multiple of the thread
 * count, the tiles spread evenly over them in groups of 4, so that the threads finish
 * together (a call of three equal bands on two threads leaves one thread idle for a third of
 * it). Band i holds tiles [mrw_winograd_band_first(split, i), mrw_winograd_band_first(split,
 * i + 1)), at most mrw_winograd_band_capacity(tiles, most) of them; that capacity grows with the
 * tile count, so a call's workspace also serves any smaller call. Any split gives the same
 * results: a tile's outputs depend on its own data only. */
#define MRW_WINOGRAD_BAND_MIN_TILES 32
typedef struct mrw_winograd_split {
  size_t tiles, quads, bands;
} mrw_winograd_split;
mrw_winograd_split mrw_winograd_split_bands(size_t tiles, size_t most, int threads);
size_t mrw_winograd_band_first(const mrw_winograd_split *split, size_t band);
size_t mrw_winograd_band_capacity(size_t tiles, size_t most);

/* input: [batch][h][w][in_c]; output: [batch][h][w][out_c]; residual (if any) has the output's
 * layout with ldr. The tiles of the batch are cut into bands that the threads share; each
 * output is computed the same way whatever the thread count. */
void mrw_winograd_conv2d(const mrw_conv_shape *s, int tile, const float *input,
                         const float *packed, const mrw_epilogue *epilogue, float *output,
                         float *workspace, mrw_thread_pool *pool);

/* The same with each output pixel's out_c values ldo floats apart (ldo >= out_c): a group of
 * a wider layer's output channels, from their own transformed weights, written in place
 * among the others' (the epilogue's bias and residual pointing at the group's first channel,
 * the residual with its own ldr). Each channel's outputs have the bits of the whole layer's
 * call: a channel's sums do not depend on the other channels. */
void mrw_winograd_conv2d_strided(const mrw_conv_shape *s, int tile, const float *input,
                                 const float *packed, const mrw_epilogue *epilogue, float *output,
                                 size_t ldo, float *workspace, mrw_thread_pool *pool);

/* Output rows [row0, row0 + rows) of one image (s->batch 1) into output [rows][w][out_c] (the
 * residual, if any, in that layout too), reading the input rows around them as the whole
 * image's convolution does. With row0 a multiple of tile the tiles are the whole image's, so
 * the window holds the same bits as those rows of mrw_winograd_conv2d. Its workspace is
 * mrw_winograd_workspace_floats of mrw_winograd_window_shape(s, rows). */
mrw_conv_shape mrw_winograd_window_shape(const mrw_conv_shape *s, int rows);
void mrw_winograd_conv2d_rows(const mrw_conv_shape *s, int tile, const float *input, int row0,
                              int rows, const float *packed, const mrw_epilogue *epilogue,
                              float *output, float *workspace, mrw_thread_pool *pool);

/* Scalar reference of the same algorithm. u: [points][in_c][out_c] from
 * mrw_winograd_transform_weights_ref. */
void mrw_winograd_transform_weights_ref(const mrw_conv_shape *s, int tile, const float *weights,
                                        float *u);
void mrw_winograd_conv2d_ref(const mrw_conv_shape *s, int tile, const float *input,
                             const float *u, const mrw_epilogue *epilogue, float *output);

#ifdef __cplusplus
}
#endif

#endif
