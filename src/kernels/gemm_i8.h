#ifndef MRW_KERNELS_GEMM_I8_H
#define MRW_KERNELS_GEMM_I8_H

#include <stddef.h>
#include <stdint.h>

#include "base/thread_pool.h"
#include "kernels/gemm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Integer GEMM for int8 weights: C = epilogue(diag(row_scales) * (QA * QB) * diag(col_scales))
 * where QA holds the left operand quantized per row at run time (dynamic quantization: each
 * row's largest magnitude maps to 127) and QB the weights quantized per output column (the
 * model file's per-channel int8 scales). Products are summed exactly in int32, so the SIMD
 * kernel equals its scalar reference bit for bit, whatever the thread count.
 *
 * Values are int8 in range but stored as int16: i32x4.dot_i16x8_s multiplies eight int16
 * pairs and adds neighbours into four int32 lanes, so the depth is walked two at a time and
 * is padded to an even count with zeros. */
#define MRW_GEMM_I8_MR 4
#define MRW_GEMM_I8_NR 8

/* The depth of QA's rows and QB's panels: k rounded up to even. */
size_t mrw_gemm_i8_depth(size_t k);

/* Quantizes rows of x [m][ldx] (k used) to q [m][ldq] (ldq >= mrw_gemm_i8_depth(k), the
 * padding zeroed): scale = max |x| / 127 and q = nearest(x * (127 / max |x|)), ties to even,
 * clamped to [-127, 127]; a row of zeros (or one whose largest magnitude is not finite) gets
 * scale 0 and zeros. NaN elements count as 0. scales: [m]. */
void mrw_quantize_rows(const float *x, size_t m, size_t k, size_t ldx, int16_t *q, size_t ldq,
                       float *scales, mrw_thread_pool *pool);
void mrw_quantize_rows_ref(const float *x, size_t m, size_t k, size_t ldx, int16_t *q,
                           size_t ldq, float *scales);

/* Packed weights: w [n][ldw] int8 (row j = output column j, k used) -> int16
 * [ceil(n/8)][depth/2][8][2]: for each pair of depths, the 8 columns' two values side by
 * side; padded columns and depth are zero. */
size_t mrw_gemm_i8_packed_b_count(size_t k, size_t n);
void mrw_gemm_i8_pack_b(const int8_t *w, size_t ldw, size_t k, size_t n, int16_t *packed);

/* c [m][ldc] = epilogue of (float)(QA row i . QB column j) * (row_scales[i] * col_scales[j]):
 * then + bias[j], + residual, then ReLU, in that order. qa: [m][ldq] from mrw_quantize_rows.
 * Each element of c is stored once, right after its residual element is read: the residual
 * may be c itself (ldr == ldc). */
void mrw_gemm_i8(size_t m, size_t n, size_t k, const int16_t *qa, size_t ldq,
                 const float *row_scales, const int16_t *packed_b, const float *col_scales,
                 const mrw_epilogue *epilogue, float *c, size_t ldc, mrw_thread_pool *pool);

/* The GEMM's building block, for kernels that transform its sums themselves (int8 Winograd):
 * sums [4][lds] int32 = 4 rows of QA (depth pairs side by side, `pairs` of them) times one
 * packed panel of 8 columns. Rows may repeat; sums are exact modulo 2^32. */
void mrw_gemm_i8_tile_sums(size_t pairs, const int16_t *const rows[MRW_GEMM_I8_MR],
                           const int16_t *panel, int32_t *sums, size_t lds);

/* Scalar reference: the same with w [n][ldw] int8 unpacked. */
void mrw_gemm_i8_ref(size_t m, size_t n, size_t k, const int16_t *qa, size_t ldq,
                     const float *row_scales, const int8_t *w, size_t ldw,
                     const float *col_scales, const mrw_epilogue *epilogue, float *c,
                     size_t ldc);

#ifdef __cplusplus
}
#endif

#endif
