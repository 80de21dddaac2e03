#ifndef MRW_MODEL_INT8_MATRIX_H
#define MRW_MODEL_INT8_MATRIX_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "io/safetensors.h"
#include "kernels/conv2d.h"
#include "kernels/gemm.h"
#include "model/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The weights of a layer that a model file stores as int8 (a 1x1 convolution, a fully
 * connected layer), kept in int8 and run by the integer GEMM: y = x W^T with each row of x
 * quantized when the layer runs (see kernels/gemm_i8.h). A 3x3 convolution's are kept as
 * int8 Winograd's transformed weights instead (kernels/winograd_i8.h). */
typedef struct mrw_int8_matrix {
  size_t n, k;          /* outputs, inputs */
  int16_t *packed;      /* W^T as the integer GEMM's packed right operand */
  float *scales;        /* [n]: output j's weight scale (times any folded BatchNorm scale) */
  int winograd_tile;    /* int8 Winograd's tile size (2 or 4) for a 3x3 convolution's, else 0 */
} mrw_int8_matrix;

/* Packs the I8 tensor t, n rows (outputs, its first dimension) of k values, with its
 * per-row scales, straight from the file's bytes. Column p of row j is input input_order[p],
 * or p when input_order is NULL. */
mrw_status mrw_int8_matrix_load(mrw_int8_matrix *m, const mrw_tensor_view *t, size_t n,
                                size_t k, const int *input_order, mrw_error *err);
/* Packs n rows of k int8 values (w [n][k], row j = output j) with their n scales (floats,
 * copied bytewise: a file's bytes need not be aligned for a float). */
mrw_status mrw_int8_matrix_pack(mrw_int8_matrix *m, const int8_t *w, size_t n, size_t k,
                                const void *scales, mrw_error *err);
/* The I8 tensor t of a 3x3 convolution of shape s ([out_c][in_c][3][3]) as int8 Winograd's
 * transformed weights (kernels/winograd_i8.h), with its per-output-channel scales; n is
 * out_c and k in_c * 9. The tile is 4 when wide_tiles is set and the weights allow it
 * (mrw_winograd_i8_tile4_exact), else 2. Run it with mrw_winograd_i8_conv2d. */
mrw_status mrw_int8_matrix_load_winograd(mrw_int8_matrix *m, const mrw_tensor_view *t,
                                         const mrw_conv_shape *s, int wide_tiles,
                                         mrw_error *err);
void mrw_int8_matrix_free(mrw_int8_matrix *m); /* a zeroed matrix is a no-op */

/* y [rows][ldy] = epilogue(x [rows][ldx] W^T). Uses the runtime's scratch for the quantized
 * rows. */
mrw_status mrw_int8_matrix_run(const mrw_int8_matrix *m, const float *x, size_t rows,
                               size_t ldx, const mrw_epilogue *epilogue, float *y, size_t ldy,
                               mrw_runtime *rt, mrw_error *err);

#ifdef __cplusplus
}
#endif

#endif
