#include "kernels/conv2d_i8.h"

#include <string.h>

#include "kernels/gemm_i8.h"

/* Rows per chunk at most, and the chunk's quantized rows at most this many bytes. */
#define CHUNK_ROWS 1024
#define CHUNK_BUDGET_BYTES ((size_t)2 << 20)
/* Rows gathered and quantized per task. */
#define GATHER_ROWS 16

size_t mrw_conv2d_i8_depth(const mrw_conv_shape *s) {
  return (size_t)s->kernel_h * (size_t)s->kernel_w * (size_t)s->in_c;
}

/* Workspace: [threads][depth] floats (a gathered row per thread), the chunk's row scales
 * [chunk] floats, then its quantized rows [chunk][ldq] int16. */
typedef struct i8_conv_plan {
  size_t depth, ldq, rows, chunk;
  size_t scales_at, q_at; /* byte offsets */
} i8_conv_plan;

static size_t round_up16(size_t x) { return (x + 15) / 16 * 16; }

static i8_conv_plan plan(const mrw_conv_shape *s, int threads) {
  i8_conv_plan p;
  p.depth = mrw_conv2d_i8_depth(s);
  p.ldq = mrw_gemm_i8_depth(p.depth);
  p.rows = (size_t)mrw_conv_batch(s) * (size_t)mrw_conv_out_h(s) * (size_t)mrw_conv_out_w(s);
  size_t fit = CHUNK_BUDGET_BYTES / (p.ldq * sizeof(int16_t));
  p.chunk = fit < CHUNK_ROWS ? fit : CHUNK_ROWS;
  if (p.chunk < 64) p.chunk = 64;
  if (p.chunk > p.rows) p.chunk = p.rows ? p.rows : 1;
  p.scales_at = round_up16((size_t)threads * p.depth * sizeof(float));
  p.q_at = p.scales_at + round_up16(p.chunk * sizeof(float));
  return p;
}

size_t mrw_conv2d_i8_workspace_bytes(const mrw_conv_shape *s, int threads) {
  i8_conv_plan p = plan(s, threads);
  return p.q_at + p.chunk * p.ldq * sizeof(int16_t);
}

// Row `pixel` (an output pixel over the batch) of the im2col matrix: [depth] floats in
// (ky, kx, channel) order, zeros outside the image.
static void gather_row(const mrw_conv_shape *s, const float *input, size_t pixel, float *row) {
  size_t out_h = (size_t)mrw_conv_out_h(s), out_w = (size_t)mrw_conv_out_w(s);
  size_t n = pixel / (out_h * out_w), r = pixel % (out_h * out_w);
  int oy = (int)(r / out_w), ox = (int)(r % out_w);
  size_t in_c = (size_t)s->in_c;
  const float *image = input + n * (size_t)s->in_h * s->in_w * in_c;
  for (int ky = 0; ky < s->kernel_h; ky++)
    for (int kx = 0; kx < s->kernel_w; kx++) {
      int iy = oy * s->stride - s->pad + ky, ix = ox * s->stride - s->pad + kx;
      float *dst = row + ((size_t)ky * s->kernel_w + kx) * in_c;
      if (iy < 0 || iy >= s->in_h || ix < 0 || ix >= s->in_w)
        memset(dst, 0, in_c * sizeof(float));
      else
        memcpy(dst, image + ((size_t)iy * s->in_w + ix) * in_c, in_c * sizeof(float));
    }
}

typedef struct i8_conv_job {
  const mrw_conv_shape *shape;
  i8_conv_plan plan;
  const float *input;
  unsigned char *ws;
  size_t first; /* the chunk's first row */
  size_t count;
} i8_conv_job;

static void gather_task(void *ctx, size_t task, int thread) {
  const i8_conv_job *job = ctx;
  const i8_conv_plan *p = &job->plan;
  float *row = (float *)job->ws + (size_t)thread * p->depth;
  float *scales = (float *)(job->ws + p->scales_at);
  int16_t *q = (int16_t *)(job->ws + p->q_at);
  size_t end = (task + 1) * GATHER_ROWS < job->count ? (task + 1) * GATHER_ROWS : job->count;
  for (size_t i = task * GATHER_ROWS; i < end; i++) {
    gather_row(job->shape, job->input, job->first + i, row);
    mrw_quantize_rows(row, 1, p->depth, p->depth, q + i * p->ldq, p->ldq, scales + i, NULL);
  }
}

void mrw_conv2d_i8(const mrw_conv_shape *s, const float *input, const int16_t *packed_b,
                   const float *col_scales, const mrw_epilogue *epilogue, float *output,
                   void *workspace, mrw_thread_pool *pool) {
  i8_conv_job job = {.shape = s, .plan = plan(s, mrw_thread_pool_size(pool)), .input = input,
                     .ws = workspace};
  const i8_conv_plan *p = &job.plan;
  size_t out_c = (size_t)s->out_c;
  for (job.first = 0; job.first < p->rows; job.first += p->chunk) {
    job.count = p->rows - job.first < p->chunk ? p->rows - job.first : p->chunk;
    mrw_thread_pool_run(pool, (job.count + GATHER_ROWS - 1) / GATHER_ROWS, gather_task, &job);
    mrw_epilogue e = epilogue ? *epilogue : (mrw_epilogue){0};
    if (e.residual) e.residual += job.first * e.ldr;
    mrw_gemm_i8(job.count, out_c, p->depth, (const int16_t *)(job.ws + p->q_at), p->ldq,
                (const float *)(job.ws + p->scales_at), packed_b, col_scales, &e,
                output + job.first * out_c, out_c, pool);
  }
}
