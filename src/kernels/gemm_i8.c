#include "kernels/gemm_i8.h"

#include <string.h>

#include "kernels/quantize_simd.h"
#include "simd/simd.h"

/* Rows of C per task: enough 4-row tiles to reuse each column panel of QB from cache. */
#define ROWS_PER_TASK 64

size_t mrw_gemm_i8_depth(size_t k) { return (k + 1) & ~(size_t)1; }

size_t mrw_gemm_i8_packed_b_count(size_t k, size_t n) {
  return (n + MRW_GEMM_I8_NR - 1) / MRW_GEMM_I8_NR * MRW_GEMM_I8_NR * mrw_gemm_i8_depth(k);
}

// w: [n][ldw] int8 -> packed: [n/8 panels][depth/2 pairs][8 columns][2 depths], zero-padded.
void mrw_gemm_i8_pack_b(const int8_t *w, size_t ldw, size_t k, size_t n, int16_t *packed) {
  size_t depth = mrw_gemm_i8_depth(k);
  for (size_t j0 = 0; j0 < n; j0 += MRW_GEMM_I8_NR)
    for (size_t p = 0; p < depth; p += 2)
      for (size_t j = j0; j < j0 + MRW_GEMM_I8_NR; j++) {
        *packed++ = j < n && p < k ? w[j * ldw + p] : 0;
        *packed++ = j < n && p + 1 < k ? w[j * ldw + p + 1] : 0;
      }
}

typedef struct quantize_job {
  const float *x;
  size_t m, k, ldx, ldq;
  int16_t *q;
  float *scales;
} quantize_job;

/* Rows per quantization task: a pixel's channels are a short row, so one row per task would
 * cost more in dispatch than in work. */
#define QUANTIZE_ROWS_PER_TASK 32

/* One row: x [k] floats -> q [ldq] int16 (the padding zero) and its scale
 * (kernels/quantize_simd.h). */
static void quantize_row(const quantize_job *job, size_t i) {
  const float *row = job->x + i * job->ldx;
  int16_t *q = job->q + i * job->ldq;
  size_t k = job->k, p = 0;
  const v128_t factor = wasm_f32x4_splat(mrw_quantize_factor(mrw_max_abs(row, k), &job->scales[i]));
  for (; p + 8 <= k; p += 8)
    wasm_v128_store(q + p, wasm_i16x8_narrow_i32x4(mrw_quantize_f32x4(wasm_v128_load(row + p), factor),
                                                   mrw_quantize_f32x4(wasm_v128_load(row + p + 4), factor)));
  for (; p < k; p++)
    q[p] = (int16_t)wasm_i32x4_extract_lane(mrw_quantize_f32x4(wasm_f32x4_splat(row[p]), factor), 0);
  for (; p < job->ldq; p++) q[p] = 0;
}

static void quantize_rows_task(void *ctx, size_t task, int thread) {
  (void)thread;
  const quantize_job *job = ctx;
  size_t end = (task + 1) * QUANTIZE_ROWS_PER_TASK;
  for (size_t i = task * QUANTIZE_ROWS_PER_TASK; i < end && i < job->m; i++) quantize_row(job, i);
}

void mrw_quantize_rows(const float *x, size_t m, size_t k, size_t ldx, int16_t *q, size_t ldq,
                       float *scales, mrw_thread_pool *pool) {
  quantize_job job = {x, m, k, ldx, ldq, q, scales};
  size_t tasks = (m + QUANTIZE_ROWS_PER_TASK - 1) / QUANTIZE_ROWS_PER_TASK;
  mrw_thread_pool_run(pool, tasks, quantize_rows_task, &job);
}

typedef struct gemm_i8_job {
  size_t m, n, k;
  const int16_t *qa;
  size_t ldq;
  const float *row_scales;
  const int16_t *packed_b;
  const float *col_scales;
  const mrw_epilogue *epilogue;
  float *c;
  size_t ldc;
  size_t n_block; /* columns per task, a multiple of 8 */
  size_t n_tasks_per_row_block;
} gemm_i8_job;

// Microkernel. rows[4]: 4 rows of QA (int16, depth pairs side by side); b: one packed panel
// [pairs][8][2]. acc: 8 i32x4 = 4 rows x 8 columns of exact int32 sums, one dot per pair.
static void gemm_i8_micro_4x8(size_t pairs, const int16_t *const rows[4], const int16_t *b,
                              v128_t acc[8]) {
  v128_t c00 = wasm_i32x4_splat(0), c01 = c00, c10 = c00, c11 = c00;
  v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const int16_t *a0 = rows[0], *a1 = rows[1], *a2 = rows[2], *a3 = rows[3];
  for (size_t p = 0; p < pairs; p++) {
    v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 8);
    v128_t x0 = wasm_v128_load32_splat(a0 + 2 * p);
    v128_t x1 = wasm_v128_load32_splat(a1 + 2 * p);
    v128_t x2 = wasm_v128_load32_splat(a2 + 2 * p);
    v128_t x3 = wasm_v128_load32_splat(a3 + 2 * p);
    c00 = wasm_i32x4_add(c00, wasm_i32x4_dot_i16x8(x0, b0));
    c01 = wasm_i32x4_add(c01, wasm_i32x4_dot_i16x8(x0, b1));
    c10 = wasm_i32x4_add(c10, wasm_i32x4_dot_i16x8(x1, b0));
    c11 = wasm_i32x4_add(c11, wasm_i32x4_dot_i16x8(x1, b1));
    c20 = wasm_i32x4_add(c20, wasm_i32x4_dot_i16x8(x2, b0));
    c21 = wasm_i32x4_add(c21, wasm_i32x4_dot_i16x8(x2, b1));
    c30 = wasm_i32x4_add(c30, wasm_i32x4_dot_i16x8(x3, b0));
    c31 = wasm_i32x4_add(c31, wasm_i32x4_dot_i16x8(x3, b1));
    b += 2 * MRW_GEMM_I8_NR;
  }
  acc[0] = c00, acc[1] = c01, acc[2] = c10, acc[3] = c11;
  acc[4] = c20, acc[5] = c21, acc[6] = c30, acc[7] = c31;
}

void mrw_gemm_i8_tile_sums(size_t pairs, const int16_t *const rows[MRW_GEMM_I8_MR],
                           const int16_t *panel, int32_t *sums, size_t lds) {
  v128_t acc[8];
  gemm_i8_micro_4x8(pairs, rows, panel, acc);
  for (size_t r = 0; r < MRW_GEMM_I8_MR; r++) {
    wasm_v128_store(sums + r * lds, acc[2 * r]);
    wasm_v128_store(sums + r * lds + 4, acc[2 * r + 1]);
  }
}

/* Four columns of one row: the reference's float steps, four lanes at a time. */
static v128_t epilogue4(v128_t acc, float row_scale, const float *col_scales,
                        const float *bias, const float *residual, int relu) {
  v128_t scale = wasm_f32x4_mul(wasm_f32x4_splat(row_scale), wasm_v128_load(col_scales));
  v128_t v = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(acc), scale);
  if (bias) v = wasm_f32x4_add(v, wasm_v128_load(bias));
  if (residual) v = wasm_f32x4_add(v, wasm_v128_load(residual));
  if (relu) v = wasm_f32x4_pmax(v, wasm_f32x4_splat(0.0f)); /* v < 0 ? 0 : v */
  return v;
}

static void store_tile(const gemm_i8_job *job, size_t i, size_t j, size_t rows, size_t cols,
                       const v128_t acc[8]) {
  const mrw_epilogue *e = job->epilogue;
  const float *bias = e ? e->bias : NULL;
  int relu = e && e->relu;
  if (rows == MRW_GEMM_I8_MR && cols == MRW_GEMM_I8_NR) {
    for (size_t r = 0; r < MRW_GEMM_I8_MR; r++) {
      float *c = job->c + (i + r) * job->ldc + j;
      const float *res = e && e->residual ? e->residual + (i + r) * e->ldr + j : NULL;
      float rs = job->row_scales[i + r];
      for (size_t h = 0; h < 2; h++)
        wasm_v128_store(c + 4 * h, epilogue4(acc[2 * r + h], rs, job->col_scales + j + 4 * h,
                                             bias ? bias + j + 4 * h : NULL,
                                             res ? res + 4 * h : NULL, relu));
    }
    return;
  }
  int32_t sums[MRW_GEMM_I8_MR * MRW_GEMM_I8_NR];
  for (size_t t = 0; t < 8; t++) wasm_v128_store(sums + 4 * t, acc[t]);
  for (size_t r = 0; r < rows; r++)
    for (size_t q = 0; q < cols; q++) {
      float v = (float)sums[r * MRW_GEMM_I8_NR + q] * (job->row_scales[i + r] * job->col_scales[j + q]);
      if (bias) v += bias[j + q];
      if (e && e->residual) v += e->residual[(i + r) * e->ldr + j + q];
      if (relu && v < 0.0f) v = 0.0f;
      job->c[(i + r) * job->ldc + j + q] = v;
    }
}

// One task: rows [i0, i0 + 64) by columns [j0, j0 + n_block) of C, the whole depth at once
// (int32 sums need no blocking for precision; a panel is reused by the task's 16 row tiles).
static void gemm_i8_task(void *ctx, size_t task, int thread) {
  (void)thread;
  const gemm_i8_job *job = ctx;
  size_t i0 = task / job->n_tasks_per_row_block * ROWS_PER_TASK;
  size_t j0 = task % job->n_tasks_per_row_block * job->n_block;
  size_t rows = job->m - i0 < ROWS_PER_TASK ? job->m - i0 : ROWS_PER_TASK;
  size_t cols = job->n - j0 < job->n_block ? job->n - j0 : job->n_block;
  size_t pairs = mrw_gemm_i8_depth(job->k) / 2;
  for (size_t j = j0; j < j0 + cols; j += MRW_GEMM_I8_NR) {
    size_t tile_cols = j0 + cols - j < MRW_GEMM_I8_NR ? j0 + cols - j : MRW_GEMM_I8_NR;
    const int16_t *b = job->packed_b + j / MRW_GEMM_I8_NR * pairs * 2 * MRW_GEMM_I8_NR;
    for (size_t i = i0; i < i0 + rows; i += MRW_GEMM_I8_MR) {
      size_t tile_rows = i0 + rows - i < MRW_GEMM_I8_MR ? i0 + rows - i : MRW_GEMM_I8_MR;
      const int16_t *a[MRW_GEMM_I8_MR];
      /* rows past the end read the tile's first row; their sums are not stored */
      for (size_t r = 0; r < MRW_GEMM_I8_MR; r++) a[r] = job->qa + (i + (r < tile_rows ? r : 0)) * job->ldq;
      v128_t acc[8];
      gemm_i8_micro_4x8(pairs, a, b, acc);
      store_tile(job, i, j, tile_rows, tile_cols, acc);
    }
  }
}

void mrw_gemm_i8(size_t m, size_t n, size_t k, const int16_t *qa, size_t ldq,
                 const float *row_scales, const int16_t *packed_b, const float *col_scales,
                 const mrw_epilogue *epilogue, float *c, size_t ldc, mrw_thread_pool *pool) {
  if (m == 0 || n == 0) return;
  mrw_gemm_tasks tasks = mrw_gemm_split(m, n, ROWS_PER_TASK, MRW_GEMM_I8_NR, mrw_thread_pool_size(pool));
  gemm_i8_job job = {
      .m = m, .n = n, .k = k, .qa = qa, .ldq = ldq, .row_scales = row_scales,
      .packed_b = packed_b, .col_scales = col_scales, .epilogue = epilogue, .c = c, .ldc = ldc,
      .n_block = tasks.n_block, .n_tasks_per_row_block = tasks.col_tasks,
  };
  mrw_thread_pool_run(pool, tasks.row_blocks * tasks.col_tasks, gemm_i8_task, &job);
}
