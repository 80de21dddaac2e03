#include "model/int8_matrix.h"

#include <stdlib.h>
#include <string.h>

#include "kernels/gemm_i8.h"
#include "kernels/winograd_i8.h"

mrw_status mrw_int8_matrix_pack(mrw_int8_matrix *m, const int8_t *w, size_t n, size_t k,
                                const void *scales, mrw_error *err) {
  memset(m, 0, sizeof *m);
  m->n = n;
  m->k = k;
  m->packed = malloc(mrw_gemm_i8_packed_b_count(k, n) * sizeof(int16_t));
  m->scales = malloc((n ? n : 1) * sizeof(float));
  if (!m->packed || !m->scales) {
    mrw_int8_matrix_free(m);
    return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for int8 weights");
  }
  mrw_gemm_i8_pack_b(w, k, k, n, m->packed);
  memcpy(m->scales, scales, n * sizeof(float));
  return MRW_OK;
}

mrw_status mrw_int8_matrix_load(mrw_int8_matrix *m, const mrw_tensor_view *t, size_t n,
                                size_t k, const int *input_order, mrw_error *err) {
  memset(m, 0, sizeof *m);
  const int8_t *w = t->data;
  int8_t *ordered = input_order ? malloc(n * k + 1) : NULL;
  if (input_order && !ordered)
    return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for int8 weights");
  if (ordered)
    for (size_t j = 0; j < n; j++)
      for (size_t p = 0; p < k; p++) ordered[j * k + p] = w[j * k + (size_t)input_order[p]];
  /* the scales are little-endian F32, as is every target of this code */
  mrw_status s = mrw_int8_matrix_pack(m, ordered ? ordered : w, n, k, t->scales, err);
  free(ordered);
  return s;
}

mrw_status mrw_int8_matrix_load_winograd(mrw_int8_matrix *m, const mrw_tensor_view *t,
                                         const mrw_conv_shape *s, int wide_tiles,
                                         mrw_error *err) {
  memset(m, 0, sizeof *m);
  m->n = (size_t)s->out_c;
  m->k = (size_t)s->in_c * 9;
  m->winograd_tile = wide_tiles && mrw_winograd_i8_tile4_exact(s, t->data) ? 4 : 2;
  m->packed = malloc(mrw_winograd_i8_packed_count(s, m->winograd_tile) * sizeof(int16_t));
  m->scales = malloc((m->n ? m->n : 1) * sizeof(float));
  if (!m->packed || !m->scales) {
    mrw_int8_matrix_free(m);
    return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for int8 weights");
  }
  mrw_winograd_i8_pack_weights(s, m->winograd_tile, t->data, m->packed);
  memcpy(m->scales, t->scales, m->n * sizeof(float));
  return MRW_OK;
}

void mrw_int8_matrix_free(mrw_int8_matrix *m) {
  if (!m) return;
  free(m->packed);
  free(m->scales);
  memset(m, 0, sizeof *m);
}

/* Floats of scratch the quantized rows of one pass take at most (4 MB): a ResNet-50 layer on
 * C2's 60800 pixels of 256 channels quantizes them 8192 rows at a time, not 31 MB at once.
 * Each row has its own scale and its integer sums are exact, so the passes change no bit. */
#define QUANTIZED_ROWS_FLOATS ((size_t)1 << 20)

mrw_status mrw_int8_matrix_run(const mrw_int8_matrix *m, const float *x, size_t rows,
                               size_t ldx, const mrw_epilogue *epilogue, float *y, size_t ldy,
                               mrw_runtime *rt, mrw_error *err) {
  if (rows == 0) return MRW_OK;
  size_t ldq = mrw_gemm_i8_depth(m->k);
  size_t pass = QUANTIZED_ROWS_FLOATS / (1 + (ldq + 1) / 2);
  if (pass < MRW_GEMM_MB) pass = MRW_GEMM_MB;
  if (pass > rows) pass = rows;
  /* scratch: the row scales, then the rows as int16 (two to a float) */
  float *scratch = mrw_runtime_scratch(rt, pass + (pass * ldq + 1) / 2, err);
  if (!scratch) return MRW_ERR_OUT_OF_MEMORY;
  float *row_scales = scratch;
  int16_t *q = (int16_t *)(scratch + pass);
  for (size_t first = 0; first < rows; first += pass) {
    size_t n = rows - first < pass ? rows - first : pass;
    mrw_epilogue e = *epilogue;
    if (e.residual) e.residual += first * e.ldr;
    mrw_quantize_rows(x + first * ldx, n, m->k, ldx, q, ldq, row_scales, rt->pool);
    mrw_gemm_i8(n, m->n, m->k, q, ldq, row_scales, m->packed, m->scales, &e, y + first * ldy, ldy,
                rt->pool);
  }
  return MRW_OK;
}
