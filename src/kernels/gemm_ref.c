#include "kernels/gemm.h"

/* Scalar reference of mrw_gemm. It sums in the same order as the SIMD kernel (bias first,
 * then k ascending), so the two agree to the last bit. */
void mrw_gemm_ref(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                  size_t ldb, const mrw_epilogue *epilogue, float *c, size_t ldc) {
  for (size_t i = 0; i < m; i++) {
    for (size_t j = 0; j < n; j++) {
      float sum = (epilogue && epilogue->bias) ? epilogue->bias[j] : 0.0f;
      for (size_t p = 0; p < k; p++) sum += a[i * lda + p] * b[p * ldb + j];
      if (epilogue && epilogue->residual) sum += epilogue->residual[i * epilogue->ldr + j];
      if (epilogue && epilogue->relu && sum < 0.0f) sum = 0.0f;
      c[i * ldc + j] = sum;
    }
  }
}
