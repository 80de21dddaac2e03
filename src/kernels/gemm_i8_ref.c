#include <math.h>

#include "kernels/gemm_i8.h"

/* Scalar references of the int8 GEMM and of the row quantizer: plain loops, the same
 * arithmetic (integers exact, each float operation in the same order as the SIMD code). */

void mrw_quantize_rows_ref(const float *x, size_t m, size_t k, size_t ldx, int16_t *q,
                           size_t ldq, float *scales) {
  for (size_t i = 0; i < m; i++) {
    const float *row = x + i * ldx;
    float max_abs = 0.0f;
    for (size_t p = 0; p < k; p++) {
      float a = fabsf(row[p]);
      max_abs = max_abs < a ? a : max_abs; /* NaN is passed over */
    }
    int usable = max_abs > 0.0f && isfinite(max_abs);
    float inv = usable ? 127.0f / max_abs : 0.0f;
    scales[i] = usable ? max_abs / 127.0f : 0.0f;
    for (size_t p = 0; p < ldq; p++) {
      float v = p < k ? nearbyintf(row[p] * inv) : 0.0f;
      int16_t qv = 0;
      if (v >= 127.0f) qv = 127;
      else if (v <= -127.0f) qv = -127;
      else if (v == v) qv = (int16_t)v; /* NaN stays 0 */
      q[i * ldq + p] = qv;
    }
  }
}

void mrw_gemm_i8_ref(size_t m, size_t n, size_t k, const int16_t *qa, size_t ldq,
                     const float *row_scales, const int8_t *w, size_t ldw,
                     const float *col_scales, const mrw_epilogue *epilogue, float *c,
                     size_t ldc) {
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) {
      int32_t acc = 0;
      for (size_t p = 0; p < k; p++) acc += (int32_t)qa[i * ldq + p] * (int32_t)w[j * ldw + p];
      float v = (float)acc * (row_scales[i] * col_scales[j]);
      if (epilogue && epilogue->bias) v += epilogue->bias[j];
      if (epilogue && epilogue->residual) v += epilogue->residual[i * epilogue->ldr + j];
      if (epilogue && epilogue->relu && v < 0.0f) v = 0.0f;
      c[i * ldc + j] = v;
    }
}
