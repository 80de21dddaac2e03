#ifndef MRW_KERNELS_GEMM_H
#define MRW_KERNELS_GEMM_H

#include <stddef.h>

#include "base/thread_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Register tile of the microkernel: 4 rows of A by 8 columns of B (8 SIMD128 accumulators). */
#define MRW_GEMM_MR 4
#define MRW_GEMM_NR 8
/* Block sizes: rows of A per task and depth per pass, so that a 4xKC strip of A and a KCx8
 * panel of B stay in L1 while a block's packed A stays in L2. */
#define MRW_GEMM_MB 64
#define MRW_GEMM_KC 256

/* What happens to C = A*B before it is stored: add a per-column bias, then add a residual
 * matrix of C's shape, then clamp at zero. Any part may be absent (NULL / 0). The residual may
 * be C itself (the result written over it, ldr == ldc) when residual_keep gives each thread
 * room to keep its block of it until its last depth pass: mrw_gemm_keep_floats floats; the
 * sums are the same, in the same order. */
typedef struct mrw_epilogue {
  const float *bias;     /* [n] or NULL */
  const float *residual; /* [m][ldr] or NULL */
  size_t ldr;
  int relu;
  float *residual_keep;  /* NULL unless residual is C */
} mrw_epilogue;

/* The residual_keep room a GEMM of n columns needs for a pool of `threads` threads. */
size_t mrw_gemm_keep_floats(size_t n, int threads);

/* Fills dst with the rows [row0, row0 + rows) and depth [k0, k0 + kc) of the left operand in
 * packed layout [ceil(rows/4)][kc][4] (rows past the end are zero). This is how convolutions
 * feed the GEMM without materialising im2col. */
typedef void (*mrw_pack_a_fn)(const void *ctx, size_t row0, size_t rows, size_t k0, size_t kc,
                              float *dst);

/* A left operand: a packer and its context, or (packed non-NULL, pack unused) A already in the
 * packed layout over its whole depth, [ceil(m/4)][k][4] with rows past m zero, which the GEMM
 * then reads in place (Winograd's transformed input is made in that layout), with no
 * workspace: the GEMMs below then take a NULL one. */
typedef struct mrw_gemm_a {
  mrw_pack_a_fn pack;
  const void *ctx;
  const float *packed;
} mrw_gemm_a;

/* Packed right operand: b [k][n] row-major (ldb) -> [ceil(n/8)][k][8], zero-padded columns. */
size_t mrw_gemm_packed_b_floats(size_t k, size_t n);
void mrw_gemm_pack_b(const float *b, size_t ldb, size_t k, size_t n, float *packed);
/* Where column j of B starts in that layout: its element p is at [p * MRW_GEMM_NR]. Filling
 * a zeroed buffer column by column packs B without B itself (e.g. from W of B = W^T). */
float *mrw_gemm_packed_b_column(float *packed, size_t k, size_t j);

/* How a GEMM's C is cut into tasks: row blocks of rows_per_task rows by column blocks of whole
 * nr-wide panels (n_block columns each), with columns split too when there are too few row
 * blocks to keep every thread busy. Task t covers row block t / col_tasks and column block
 * t % col_tasks. */
typedef struct mrw_gemm_tasks {
  size_t row_blocks, n_block, col_tasks;
} mrw_gemm_tasks;
mrw_gemm_tasks mrw_gemm_split(size_t m, size_t n, size_t rows_per_task, size_t nr, int threads);

/* Whether each task of an m x n x k GEMM on `threads` threads reads all its rows of A before it
 * writes its rows of C: one depth pass, and every task's columns all of C's. Then C may be A's
 * own memory when row i of C lies within rows up to i of A (the same stride, n <= k), as
 * when a 1x1 convolution writes its output over its input. */
int mrw_gemm_reads_rows_first(size_t m, size_t n, size_t k, int threads);

/* Scratch that mrw_gemm needs for a pool of `threads` threads, in floats. */
size_t mrw_gemm_workspace_floats(int threads);

/* C[m][n] (ldc) = epilogue(A[m][k] * B[k][n]) with A given by its packer and B packed by
 * mrw_gemm_pack_b. workspace holds mrw_gemm_workspace_floats(pool size) floats (NULL for a
 * packed A). Each element of C is summed in the same order whatever the thread count. */
void mrw_gemm(size_t m, size_t n, size_t k, mrw_gemm_a a, const float *packed_b,
              const mrw_epilogue *epilogue, float *c, size_t ldc, float *workspace,
              mrw_thread_pool *pool);

/* The same with up to MRW_GEMM_TALL_MB rows of A per task, for a B much larger than the
 * caches (the box head's fc6: 12544 x 1024, 51 MB): each task streams its columns of B
 * from memory once for that many rows rather than once per MRW_GEMM_MB, with each C element
 * summed as mrw_gemm sums it. workspace: mrw_gemm_tall_workspace_floats(m, pool size)
 * floats (NULL for a packed A); the epilogue's residual may not be C (no residual_keep). */
#define MRW_GEMM_TALL_MB 256
size_t mrw_gemm_tall_block_rows(size_t m);
size_t mrw_gemm_tall_workspace_floats(size_t m, int threads);
void mrw_gemm_tall(size_t m, size_t n, size_t k, mrw_gemm_a a, const float *packed_b,
                   const mrw_epilogue *epilogue, float *c, size_t ldc, float *workspace,
                   mrw_thread_pool *pool);

/* A row-major A[m][k] (lda) as a packer context. */
typedef struct mrw_dense_a {
  const float *data;
  size_t lda;
} mrw_dense_a;
void mrw_pack_a_dense(const void *ctx, size_t row0, size_t rows, size_t k0, size_t kc,
                      float *dst);

/* Scalar reference: the same contract with plain loops over unpacked row-major B [k][ldb]. */
void mrw_gemm_ref(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                  size_t ldb, const mrw_epilogue *epilogue, float *c, size_t ldc);

#ifdef __cplusplus
}
#endif

#endif
