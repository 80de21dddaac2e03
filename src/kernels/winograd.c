#include "kernels/winograd.h"

#include <string.h>

#include "simd/partial.h"
#include "simd/simd.h"

/* Per thread, a band's transformed input and products take at most this many floats (4 MB),
 * so a band stays in the caches' reach and memory stays bounded whatever the image size. */
#define BAND_BUDGET_FLOATS ((size_t)1 << 20)
/* Fewer tiles per band would reload each transformed weight matrix too often per product. */
#define BAND_MIN_TILES 32

typedef struct band_plan {
  size_t tiles_x, tiles_per_image, tiles; /* tiles over the whole batch */
  size_t band;                            /* tiles per band, a multiple of 4 */
  size_t bands;
  size_t v_floats;                        /* per point: [band / 4][in_c][4] */
  size_t m_floats;                        /* per point: [band][out_c] */
  size_t zero_floats;                     /* a zero pixel for the padding */
  size_t per_thread;
} band_plan;

static size_t round_up4(size_t x) { return (x + 3) / 4 * 4; }

/* Band size: as large as the budget allows, but small enough that every thread gets about two
 * bands. Any band size gives the same results: a tile's outputs depend on its own data only. */
static band_plan plan_bands(const mrw_conv_shape *s, int threads) {
  band_plan p;
  size_t in_c = (size_t)s->in_c, out_c = (size_t)s->out_c;
  size_t tiles_y = ((size_t)s->in_h + 1) / 2;
  p.tiles_x = ((size_t)s->in_w + 1) / 2;
  p.tiles_per_image = tiles_y * p.tiles_x;
  p.tiles = p.tiles_per_image * (size_t)mrw_conv_batch(s);
  size_t most = BAND_BUDGET_FLOATS / (MRW_WINOGRAD_POINTS * (in_c + out_c)) / 4 * 4;
  size_t share = round_up4((p.tiles + 2 * (size_t)threads - 1) / (2 * (size_t)threads));
  size_t band = share > BAND_MIN_TILES ? share : BAND_MIN_TILES;
  if (band > most) band = most;
  if (band > round_up4(p.tiles)) band = round_up4(p.tiles);
  p.band = band < 4 ? 4 : band;
  p.bands = (p.tiles + p.band - 1) / p.band;
  p.v_floats = p.band * in_c;
  p.m_floats = p.band * out_c;
  p.zero_floats = round_up4(in_c);
  p.per_thread = mrw_gemm_workspace_floats(1) +
                 MRW_WINOGRAD_POINTS * (p.v_floats + p.m_floats) + p.zero_floats;
  return p;
}

size_t mrw_winograd_workspace_floats(const mrw_conv_shape *s, int threads) {
  return (size_t)threads * plan_bands(s, threads).per_thread;
}

size_t mrw_winograd_packed_floats(const mrw_conv_shape *s) {
  return MRW_WINOGRAD_POINTS * mrw_gemm_packed_b_floats((size_t)s->in_c, (size_t)s->out_c);
}

// weights: [out_c][in_c][3][3] (torch) -> packed: [16][ceil(out_c/8)][in_c][8], U[e] of each
// (ci, co) at panel co / 8, row ci, column co % 8; padding columns zero.
void mrw_winograd_pack_weights(const mrw_conv_shape *s, const float *weights, float *packed) {
  size_t in_c = (size_t)s->in_c, out_c = (size_t)s->out_c;
  size_t per_point = mrw_gemm_packed_b_floats(in_c, out_c);
  memset(packed, 0, mrw_winograd_packed_floats(s) * sizeof(float));
  for (size_t co = 0; co < out_c; co++)
    for (size_t ci = 0; ci < in_c; ci++) {
      float u[MRW_WINOGRAD_POINTS];
      mrw_winograd_kernel_transform(weights + (co * in_c + ci) * 9, u);
      size_t at = (co / MRW_GEMM_NR * in_c + ci) * MRW_GEMM_NR + co % MRW_GEMM_NR;
      for (size_t e = 0; e < MRW_WINOGRAD_POINTS; e++) packed[e * per_point + at] = u[e];
    }
}

typedef struct wino_job {
  const mrw_conv_shape *shape;
  band_plan plan;
  const float *input;
  const float *packed;
  const mrw_epilogue *epilogue;
  float *output;
  float *workspace;
} wino_job;

// The 16 input pixels (row-major 4x4) of tile t, each the address of its in_c channels, or
// of the zero pixel in the padding.
static void tile_sources(const wino_job *job, size_t t, const float *zero, const float **src) {
  const mrw_conv_shape *s = job->shape;
  size_t n = t / job->plan.tiles_per_image, r = t % job->plan.tiles_per_image;
  int y0 = (int)(r / job->plan.tiles_x) * 2 - 1, x0 = (int)(r % job->plan.tiles_x) * 2 - 1;
  const float *image = job->input + n * s->in_h * s->in_w * s->in_c;
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      int y = y0 + i, x = x0 + j;
      int inside = y >= 0 && y < s->in_h && x >= 0 && x < s->in_w;
      src[i * 4 + j] = inside ? image + ((size_t)y * s->in_w + x) * s->in_c : zero;
    }
}

// d: 16 vectors (4x4 patch, 4 channels each) -> v = B^T d B, the reference's operation order.
static void input_transform4(const v128_t *d, v128_t *v) {
  v128_t t[4][4];
  for (int j = 0; j < 4; j++) {
    t[0][j] = wasm_f32x4_sub(d[j], d[8 + j]);
    t[1][j] = wasm_f32x4_add(d[4 + j], d[8 + j]);
    t[2][j] = wasm_f32x4_sub(d[8 + j], d[4 + j]);
    t[3][j] = wasm_f32x4_sub(d[4 + j], d[12 + j]);
  }
  for (int i = 0; i < 4; i++) {
    v[i * 4 + 0] = wasm_f32x4_sub(t[i][0], t[i][2]);
    v[i * 4 + 1] = wasm_f32x4_add(t[i][1], t[i][2]);
    v[i * 4 + 2] = wasm_f32x4_sub(t[i][2], t[i][1]);
    v[i * 4 + 3] = wasm_f32x4_sub(t[i][1], t[i][3]);
  }
}

// One group of 4 tiles (tiles past the band are zero), all channels, vectorized over 4
// channels; a 4x4 transpose per point turns [tile][channel] into the GEMM's [channel][tile].
// v: [16][band / 4][in_c][4] (point, group, channel, tile) = the GEMM's packed left operands.
static void transform_group(const wino_job *job, size_t first, size_t count, const float *zero,
                            float *v) {
  size_t in_c = (size_t)job->shape->in_c;
  const float *src[4][16];
  for (size_t k = 0; k < 4; k++) {
    if (k < count) {
      tile_sources(job, first + k, zero, src[k]);
    } else {
      for (int i = 0; i < 16; i++) src[k][i] = zero;
    }
  }
  for (size_t c = 0; c < in_c; c += 4) {
    size_t width = in_c - c < 4 ? in_c - c : 4;
    v128_t x[MRW_WINOGRAD_POINTS][4];
    for (size_t k = 0; k < 4; k++) {
      v128_t d[16], p[16];
      for (int i = 0; i < 16; i++) d[i] = mrw_load_f32_partial(src[k][i] + c, width);
      input_transform4(d, p);
      for (int e = 0; e < MRW_WINOGRAD_POINTS; e++) x[e][k] = p[e];
    }
    for (int e = 0; e < MRW_WINOGRAD_POINTS; e++) {
      v128_t t0 = wasm_i32x4_shuffle(x[e][0], x[e][1], 0, 4, 1, 5);
      v128_t t1 = wasm_i32x4_shuffle(x[e][2], x[e][3], 0, 4, 1, 5);
      v128_t t2 = wasm_i32x4_shuffle(x[e][0], x[e][1], 2, 6, 3, 7);
      v128_t t3 = wasm_i32x4_shuffle(x[e][2], x[e][3], 2, 6, 3, 7);
      v128_t channel[4] = {wasm_i64x2_shuffle(t0, t1, 0, 2), wasm_i64x2_shuffle(t0, t1, 1, 3),
                           wasm_i64x2_shuffle(t2, t3, 0, 2), wasm_i64x2_shuffle(t2, t3, 1, 3)};
      float *dst = v + e * job->plan.v_floats + c * 4;
      for (size_t q = 0; q < width; q++) wasm_v128_store(dst + q * 4, channel[q]);
    }
  }
}

// m: 16 vectors (4 output channels each) -> y = A^T m A as y00, y01, y10, y11.
static void output_transform4(const v128_t *m, v128_t *y) {
  v128_t t[2][4];
  for (int j = 0; j < 4; j++) {
    t[0][j] = wasm_f32x4_add(wasm_f32x4_add(m[j], m[4 + j]), m[8 + j]);
    t[1][j] = wasm_f32x4_sub(wasm_f32x4_sub(m[4 + j], m[8 + j]), m[12 + j]);
  }
  for (int i = 0; i < 2; i++) {
    y[i * 2 + 0] = wasm_f32x4_add(wasm_f32x4_add(t[i][0], t[i][1]), t[i][2]);
    y[i * 2 + 1] = wasm_f32x4_sub(wasm_f32x4_sub(t[i][1], t[i][2]), t[i][3]);
  }
}

// Tile t's products m: [16][band][out_c] (row k of each point) -> its up to 2x2 output pixels,
// with bias, residual and ReLU, vectorized over output channels.
static void finish_tile(const wino_job *job, size_t t, const float *m) {
  const mrw_conv_shape *s = job->shape;
  const mrw_epilogue *e = job->epilogue;
  size_t out_c = (size_t)s->out_c;
  size_t n = t / job->plan.tiles_per_image, r = t % job->plan.tiles_per_image;
  int oy = (int)(r / job->plan.tiles_x) * 2, ox = (int)(r % job->plan.tiles_x) * 2;
  int rows = s->in_h - oy < 2 ? 1 : 2, cols = s->in_w - ox < 2 ? 1 : 2;
  size_t pixel[4];
  for (int i = 0; i < 4; i++)
    pixel[i] = n * s->in_h * s->in_w + (size_t)(oy + i / 2) * s->in_w + (size_t)(ox + i % 2);
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (size_t co = 0; co < out_c; co += 4) {
    size_t width = out_c - co < 4 ? out_c - co : 4;
    v128_t point[MRW_WINOGRAD_POINTS], y[4];
    for (int p = 0; p < MRW_WINOGRAD_POINTS; p++)
      point[p] = mrw_load_f32_partial(m + p * job->plan.m_floats + co, width);
    output_transform4(point, y);
    v128_t bias = e && e->bias ? mrw_load_f32_partial(e->bias + co, width) : zero;
    for (int i = 0; i < 4; i++) {
      if (i / 2 >= rows || i % 2 >= cols) continue;
      v128_t v = y[i];
      if (e && e->bias) v = wasm_f32x4_add(v, bias);
      if (e && e->residual)
        v = wasm_f32x4_add(v, mrw_load_f32_partial(e->residual + pixel[i] * e->ldr + co, width));
      if (e && e->relu) v = wasm_f32x4_max(v, zero);
      mrw_store_f32_partial(job->output + pixel[i] * out_c + co, v, width);
    }
  }
}

typedef struct v_operand {
  const float *v;
  size_t in_c;
} v_operand;

// The GEMM's left operand packer over v: [groups of 4 tiles][in_c][4], which already is the
// packed layout: a copy per group (row0 is a multiple of MRW_GEMM_MB, so of 4).
static void pack_v(const void *ctx, size_t row0, size_t rows, size_t k0, size_t kc, float *dst) {
  const v_operand *a = ctx;
  for (size_t r = 0; r < rows; r += MRW_GEMM_MR) {
    memcpy(dst, a->v + ((row0 + r) / MRW_GEMM_MR * a->in_c + k0) * MRW_GEMM_MR,
           kc * MRW_GEMM_MR * sizeof(float));
    dst += kc * MRW_GEMM_MR;
  }
}

// One band on one thread: transform its tiles, 16 single-threaded GEMMs, transform back.
static void band_task(void *ctx, size_t index, int thread) {
  const wino_job *job = ctx;
  const band_plan *p = &job->plan;
  size_t in_c = (size_t)job->shape->in_c, out_c = (size_t)job->shape->out_c;
  float *gemm_ws = job->workspace + (size_t)thread * p->per_thread;
  float *v = gemm_ws + mrw_gemm_workspace_floats(1);
  float *m = v + MRW_WINOGRAD_POINTS * p->v_floats;
  float *zero = m + MRW_WINOGRAD_POINTS * p->m_floats;
  memset(zero, 0, p->zero_floats * sizeof(float));
  size_t first = index * p->band;
  size_t count = p->tiles - first < p->band ? p->tiles - first : p->band;
  for (size_t k = 0; k < count; k += 4)
    transform_group(job, first + k, count - k < 4 ? count - k : 4, zero, v + k * in_c);
  size_t per_point = mrw_gemm_packed_b_floats(in_c, out_c);
  for (size_t e = 0; e < MRW_WINOGRAD_POINTS; e++) {
    v_operand a_ctx = {v + e * p->v_floats, in_c};
    mrw_gemm_a a = {.pack = pack_v, .ctx = &a_ctx};
    mrw_gemm(count, out_c, in_c, a, job->packed + e * per_point, NULL, m + e * p->m_floats, out_c,
             gemm_ws, NULL);
  }
  for (size_t k = 0; k < count; k++) finish_tile(job, first + k, m + k * out_c);
}

void mrw_winograd_conv2d(const mrw_conv_shape *s, const float *input, const float *packed,
                         const mrw_epilogue *epilogue, float *output, float *workspace,
                         mrw_thread_pool *pool) {
  wino_job job = {.shape = s, .plan = plan_bands(s, mrw_thread_pool_size(pool)), .input = input,
                  .packed = packed, .epilogue = epilogue, .output = output,
                  .workspace = workspace};
  if (job.plan.tiles == 0) return;
  mrw_thread_pool_run(pool, job.plan.bands, band_task, &job);
}
