#ifndef MRW_MODEL_INT8_MATRIX_H
#define MRW_MODEL_INT8_MATRIX_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "io/safetensors.h"
#include "kernels/gemm.h"
#include "model/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The weights of a layer that a model file stores as int8 (a 1x1 convolution, a fully
 * connected layer), kept in int8 and run by the integer GEMM: y = x W^T with each row of x
 * quantized when the layer runs (see kernels/gemm_i8.h). */
typedef struct mrw_int8_matrix {
  size_t n, k;          /* outputs, inputs */
  int16_t *packed;      /* W^T as the integer GEMM's packed right operand */
  float *scales;        /* [n]: output j's weight scale (times any folded BatchNorm scale) */
} mrw_int8_matrix;

/* Reads an I8 tensor of `rows` rows of `k` values (its first dimension is rows) into the
 * int8 buffer q [rows][k] and its scales into scales [rows]. */
void mrw_read_int8_rows(const mrw_tensor_view *t, size_t rows, size_t k, int8_t *q, float *scales);

/* Packs w [n][k] int8 (row j: output j; column p of row j is input input_order[p], or p when
 * input_order is NULL) with its per-output scales. */
mrw_status mrw_int8_matrix_init(mrw_int8_matrix *m, const int8_t *w, size_t n, size_t k,
                                const int *input_order, const float *scales, mrw_error *err);
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
