#include "kernels/gemm.h"

#include <string.h>

#include "simd/simd.h"

size_t mrw_gemm_packed_b_floats(size_t k, size_t n) {
  return (n + MRW_GEMM_NR - 1) / MRW_GEMM_NR * MRW_GEMM_NR * k;
}

// b: [k][ldb] row-major -> packed: [n/8 panels][k][8], the last panel zero-padded.
void mrw_gemm_pack_b(const float *b, size_t ldb, size_t k, size_t n, float *packed) {
  for (size_t j0 = 0; j0 < n; j0 += MRW_GEMM_NR) {
    size_t cols = n - j0 < MRW_GEMM_NR ? n - j0 : MRW_GEMM_NR;
    for (size_t p = 0; p < k; p++) {
      for (size_t j = 0; j < MRW_GEMM_NR; j++)
        packed[j] = j < cols ? b[p * ldb + j0 + j] : 0.0f;
      packed += MRW_GEMM_NR;
    }
  }
}

float *mrw_gemm_packed_b_column(float *packed, size_t k, size_t j) {
  return packed + j / MRW_GEMM_NR * MRW_GEMM_NR * k + j % MRW_GEMM_NR;
}

/* Tasks a GEMM aims at per thread, so that threads finishing early find more. */
#define TASKS_PER_THREAD 4

static mrw_gemm_tasks split_into(size_t m, size_t n, size_t rows_per_task, size_t nr,
                                 size_t wanted_tasks) {
  size_t row_blocks = (m + rows_per_task - 1) / rows_per_task;
  size_t panels = (n + nr - 1) / nr;
  size_t col_blocks = 1;
  if (row_blocks < wanted_tasks) {
    col_blocks = (wanted_tasks + row_blocks - 1) / row_blocks;
    if (col_blocks > panels) col_blocks = panels;
  }
  size_t panels_per_block = (panels + col_blocks - 1) / col_blocks;
  return (mrw_gemm_tasks){row_blocks, panels_per_block * nr,
                          (panels + panels_per_block - 1) / panels_per_block};
}

mrw_gemm_tasks mrw_gemm_split(size_t m, size_t n, size_t rows_per_task, size_t nr, int threads) {
  return split_into(m, n, rows_per_task, nr, TASKS_PER_THREAD * (size_t)threads);
}

int mrw_gemm_reads_rows_first(size_t m, size_t n, size_t k, int threads) {
  /* gemm_task packs its rows of A for a depth pass before its first microkernel call */
  return k <= MRW_GEMM_KC && mrw_gemm_split(m, n, MRW_GEMM_MB, MRW_GEMM_NR, threads).col_tasks == 1;
}

size_t mrw_gemm_keep_floats(size_t n, int threads) {
  return (size_t)threads * MRW_GEMM_MB * n;
}

size_t mrw_gemm_workspace_floats(int threads) {
  return (size_t)threads * MRW_GEMM_MB * MRW_GEMM_KC;
}

// a: [rows of A][lda] row-major -> dst: [ceil(rows/4)][kc][4], missing rows zero.
void mrw_pack_a_dense(const void *ctx, size_t row0, size_t rows, size_t k0, size_t kc,
                      float *dst) {
  const mrw_dense_a *a = ctx;
  for (size_t r0 = 0; r0 < rows; r0 += MRW_GEMM_MR) {
    const float *src[MRW_GEMM_MR];
    for (size_t r = 0; r < MRW_GEMM_MR; r++)
      src[r] = r0 + r < rows ? a->data + (row0 + r0 + r) * a->lda + k0 : NULL;
    for (size_t p = 0; p < kc; p++)
      for (size_t r = 0; r < MRW_GEMM_MR; r++) *dst++ = src[r] ? src[r][p] : 0.0f;
  }
}

// Microkernel. a: [kc][4] (4 rows interleaved), b: [kc][8], c: 4 rows of 8 at stride ldc.
// c = (init ? init row broadcast to 4 rows : c) + a * b, 8 f32x4 accumulators.
static void gemm_micro_4x8(size_t kc, const float *a, const float *b, float *c, size_t ldc,
                           const float *init) {
  v128_t c00, c01, c10, c11, c20, c21, c30, c31;
  if (init) {
    c00 = c10 = c20 = c30 = wasm_v128_load(init);
    c01 = c11 = c21 = c31 = wasm_v128_load(init + 4);
  } else {
    c00 = wasm_v128_load(c + 0 * ldc), c01 = wasm_v128_load(c + 0 * ldc + 4);
    c10 = wasm_v128_load(c + 1 * ldc), c11 = wasm_v128_load(c + 1 * ldc + 4);
    c20 = wasm_v128_load(c + 2 * ldc), c21 = wasm_v128_load(c + 2 * ldc + 4);
    c30 = wasm_v128_load(c + 3 * ldc), c31 = wasm_v128_load(c + 3 * ldc + 4);
  }
  for (size_t p = 0; p < kc; p++) {
    v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    v128_t a0 = wasm_v128_load32_splat(a + 0);
    v128_t a1 = wasm_v128_load32_splat(a + 1);
    v128_t a2 = wasm_v128_load32_splat(a + 2);
    v128_t a3 = wasm_v128_load32_splat(a + 3);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a0, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a0, b1));
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a1, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a1, b1));
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a2, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a2, b1));
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a3, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a3, b1));
    a += MRW_GEMM_MR;
    b += MRW_GEMM_NR;
  }
  wasm_v128_store(c + 0 * ldc, c00), wasm_v128_store(c + 0 * ldc + 4, c01);
  wasm_v128_store(c + 1 * ldc, c10), wasm_v128_store(c + 1 * ldc + 4, c11);
  wasm_v128_store(c + 2 * ldc, c20), wasm_v128_store(c + 2 * ldc + 4, c21);
  wasm_v128_store(c + 3 * ldc, c30), wasm_v128_store(c + 3 * ldc + 4, c31);
}

typedef struct gemm_job {
  size_t m, n, k;
  mrw_gemm_a a;
  const float *packed_b;
  const mrw_epilogue *epilogue;
  float *c;
  size_t ldc;
  float *workspace;
  size_t mb;      /* rows per task, a multiple of MRW_GEMM_MR */
  size_t n_block; /* columns per task, a multiple of 8 */
  size_t n_tasks_per_row_block;
} gemm_job;

// One 4x8 tile whose rows or columns run past C's edge goes through a local 4x8 buffer.
static void gemm_edge_tile(const gemm_job *job, size_t kc, const float *a, const float *b,
                           size_t i, size_t j, size_t rows, size_t cols, const float *init) {
  float tile[MRW_GEMM_MR * MRW_GEMM_NR] = {0};
  if (!init)
    for (size_t r = 0; r < rows; r++)
      memcpy(tile + r * MRW_GEMM_NR, job->c + (i + r) * job->ldc + j, cols * sizeof(float));
  gemm_micro_4x8(kc, a, b, tile, MRW_GEMM_NR, init);
  for (size_t r = 0; r < rows; r++)
    memcpy(job->c + (i + r) * job->ldc + j, tile + r * MRW_GEMM_NR, cols * sizeof(float));
}

/* res_block: the residual of rows [i0, ...) and columns [j0, ...) at stride ldr (or NULL). */
static void gemm_apply_tail(const gemm_job *job, size_t i0, size_t rows, size_t j0, size_t cols,
                            const float *res_block, size_t ldr) {
  const mrw_epilogue *e = job->epilogue;
  if (!e || (!res_block && !e->relu)) return;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (size_t i = i0; i < i0 + rows; i++) {
    float *c = job->c + i * job->ldc;
    const float *res = res_block ? res_block + (i - i0) * ldr : NULL; /* from column j0 */
    size_t j = j0;
    for (; j + 4 <= j0 + cols; j += 4) {
      v128_t v = wasm_v128_load(c + j);
      if (res) v = wasm_f32x4_add(v, wasm_v128_load(res + (j - j0)));
      if (e->relu) v = wasm_f32x4_max(v, zero);
      wasm_v128_store(c + j, v);
    }
    for (; j < j0 + cols; j++) {
      float v = c[j];
      if (res) v += res[j - j0];
      if (e->relu && v < 0.0f) v = 0.0f;
      c[j] = v;
    }
  }
}

// One task: rows [i0, i0 + mb) by columns [j0, j0 + n_block) of C, all of k in KC passes.
static void gemm_task(void *ctx, size_t task, int thread) {
  const gemm_job *job = ctx;
  size_t i0 = task / job->n_tasks_per_row_block * job->mb;
  size_t j0 = task % job->n_tasks_per_row_block * job->n_block;
  size_t rows = job->m - i0 < job->mb ? job->m - i0 : job->mb;
  size_t cols = job->n - j0 < job->n_block ? job->n - j0 : job->n_block;
  const float *bias = job->epilogue ? job->epilogue->bias : NULL;
  float zero_init[MRW_GEMM_NR] = {0};
  float bias_init[MRW_GEMM_NR];
  const mrw_epilogue *e = job->epilogue;
  const float *res_block = e && e->residual ? e->residual + i0 * e->ldr + j0 : NULL;
  size_t ldr = e ? e->ldr : 0;
  if (res_block && e->residual_keep) {
    /* the residual is C: keep this block of it before the first pass writes over it */
    float *keep = e->residual_keep + (size_t)thread * job->mb * job->n;
    for (size_t r = 0; r < rows; r++) memcpy(keep + r * cols, res_block + r * ldr, cols * sizeof(float));
    res_block = keep;
    ldr = cols;
  }

  for (size_t k0 = 0; k0 < job->k; k0 += MRW_GEMM_KC) {
    size_t kc = job->k - k0 < MRW_GEMM_KC ? job->k - k0 : MRW_GEMM_KC;
    /* the strips of 4 rows of A for this depth pass: in the caller's packed A (a strip's rows
     * k floats apart) or packed here (kc apart) */
    const float *a_pass;
    size_t strip_floats;
    if (job->a.packed) {
      a_pass = job->a.packed + (i0 * job->k + k0 * MRW_GEMM_MR);
      strip_floats = job->k * MRW_GEMM_MR;
    } else {
      float *packed_a = job->workspace + (size_t)thread * job->mb * MRW_GEMM_KC;
      job->a.pack(job->a.ctx, i0, rows, k0, kc, packed_a);
      a_pass = packed_a;
      strip_floats = kc * MRW_GEMM_MR;
    }
    for (size_t j = j0; j < j0 + cols; j += MRW_GEMM_NR) {
      size_t tile_cols = j0 + cols - j < MRW_GEMM_NR ? j0 + cols - j : MRW_GEMM_NR;
      const float *b = job->packed_b + (j / MRW_GEMM_NR) * job->k * MRW_GEMM_NR + k0 * MRW_GEMM_NR;
      const float *init = NULL;
      if (k0 == 0) {
        init = zero_init;
        if (bias) {
          for (size_t t = 0; t < MRW_GEMM_NR; t++) bias_init[t] = t < tile_cols ? bias[j + t] : 0.0f;
          init = bias_init;
        }
      }
      for (size_t i = 0; i < rows; i += MRW_GEMM_MR) {
        size_t tile_rows = rows - i < MRW_GEMM_MR ? rows - i : MRW_GEMM_MR;
        const float *a = a_pass + i / MRW_GEMM_MR * strip_floats;
        if (tile_rows == MRW_GEMM_MR && tile_cols == MRW_GEMM_NR)
          gemm_micro_4x8(kc, a, b, job->c + (i0 + i) * job->ldc + j, job->ldc, init);
        else
          gemm_edge_tile(job, kc, a, b, i0 + i, j, tile_rows, tile_cols, init);
      }
    }
  }
  gemm_apply_tail(job, i0, rows, j0, cols, res_block, ldr);
}

/* k = 0: the product is zero, so C is the epilogue of zero (no operand is touched). */
static void gemm_zero_depth(size_t m, size_t n, const mrw_epilogue *e, float *c, size_t ldc) {
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) {
      float v = (e && e->bias) ? e->bias[j] : 0.0f;
      if (e && e->residual) v += e->residual[i * e->ldr + j];
      if (e && e->relu && v < 0.0f) v = 0.0f;
      c[i * ldc + j] = v;
    }
}

/* mb rows per task; columns split too when there are fewer than tasks_per_thread row blocks
 * per thread. */
static void gemm_blocks(size_t m, size_t n, size_t k, size_t mb, size_t tasks_per_thread,
                        mrw_gemm_a a, const float *packed_b, const mrw_epilogue *epilogue,
                        float *c, size_t ldc, float *workspace, mrw_thread_pool *pool) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    gemm_zero_depth(m, n, epilogue, c, ldc);
    return;
  }
  mrw_gemm_tasks tasks = split_into(m, n, mb, MRW_GEMM_NR,
                                    tasks_per_thread * (size_t)mrw_thread_pool_size(pool));
  gemm_job job = {
      .m = m, .n = n, .k = k, .a = a, .packed_b = packed_b, .epilogue = epilogue,
      .c = c, .ldc = ldc, .workspace = workspace, .mb = mb,
      .n_block = tasks.n_block, .n_tasks_per_row_block = tasks.col_tasks,
  };
  mrw_thread_pool_run(pool, tasks.row_blocks * tasks.col_tasks, gemm_task, &job);
}

void mrw_gemm(size_t m, size_t n, size_t k, mrw_gemm_a a, const float *packed_b,
              const mrw_epilogue *epilogue, float *c, size_t ldc, float *workspace,
              mrw_thread_pool *pool) {
  gemm_blocks(m, n, k, MRW_GEMM_MB, TASKS_PER_THREAD, a, packed_b, epilogue, c, ldc, workspace, pool);
}

size_t mrw_gemm_tall_block_rows(size_t m) {
  size_t rows = m < MRW_GEMM_TALL_MB ? m : MRW_GEMM_TALL_MB;
  rows = (rows + MRW_GEMM_MR - 1) / MRW_GEMM_MR * MRW_GEMM_MR;
  return rows > MRW_GEMM_MB ? rows : MRW_GEMM_MB;
}

size_t mrw_gemm_tall_workspace_floats(size_t m, int threads) {
  return (size_t)threads * mrw_gemm_tall_block_rows(m) * MRW_GEMM_KC;
}

void mrw_gemm_tall(size_t m, size_t n, size_t k, mrw_gemm_a a, const float *packed_b,
                   const mrw_epilogue *epilogue, float *c, size_t ldc, float *workspace,
                   mrw_thread_pool *pool) {
  /* one task per thread: each column task packs the block's rows of A again (two tasks, 300 ms
   * for fc6 on 2 threads, against 313 for four and 325 for eight) */
  gemm_blocks(m, n, k, mrw_gemm_tall_block_rows(m), 1, a, packed_b, epilogue, c, ldc, workspace,
              pool);
}
