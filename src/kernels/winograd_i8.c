#include "kernels/winograd_i8.h"

#include <string.h>

#include "kernels/gemm_i8.h"
#include "kernels/quantize_simd.h"
#include "simd/partial.h"
#include "simd/simd.h"

/* Per thread, a band's transformed tiles and sums take at most this many bytes, so a band
 * stays in the caches' reach and memory stays bounded whatever the image size. */
#define BAND_BUDGET_BYTES ((size_t)1 << 20)
/* Fewer tiles per band would reload each transformed weight panel too often per product. */
#define BAND_MIN_TILES 32
/* Pixels per task of the magnitude pass: enough work to outweigh a task's dispatch. */
#define MAX_PIXELS 256

static size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }

/* Where everything lives in the workspace (byte offsets, each 16-byte aligned): the largest
 * magnitude of each input pixel [batch * pixels] (floats), then per thread: M [16][band][ldm]
 * (int32), V [16][band][depth] (int16) and the band's tile scales [band] (floats). */
typedef struct i8_plan {
  size_t batch, pixels, depth, ldm;
  size_t tiles_x, tiles_per_image, tiles, band, bands, max_tasks;
  size_t threads_at, per_thread, v_in_thread, scales_in_thread;
} i8_plan;

static i8_plan plan(const mrw_conv_shape *s, int threads) {
  i8_plan p;
  p.batch = (size_t)mrw_conv_batch(s);
  p.pixels = (size_t)s->in_h * (size_t)s->in_w;
  p.depth = round_up((size_t)s->in_c, 8);
  p.ldm = round_up((size_t)s->out_c, MRW_GEMM_I8_NR);
  p.tiles_x = ((size_t)s->in_w + 1) / 2;
  p.tiles_per_image = ((size_t)s->in_h + 1) / 2 * p.tiles_x;
  p.tiles = p.tiles_per_image * p.batch;
  size_t per_tile = 16 * (p.depth * sizeof(int16_t) + p.ldm * sizeof(int32_t));
  size_t most = BAND_BUDGET_BYTES / per_tile / 4 * 4;
  size_t share = round_up((p.tiles + 2 * (size_t)threads - 1) / (2 * (size_t)threads), 4);
  size_t band = share > BAND_MIN_TILES ? share : BAND_MIN_TILES;
  if (band > most) band = most;
  if (band > round_up(p.tiles, 4)) band = round_up(p.tiles, 4);
  p.band = band < 4 ? 4 : band;
  p.bands = (p.tiles + p.band - 1) / p.band;
  p.max_tasks = (p.batch * p.pixels + MAX_PIXELS - 1) / MAX_PIXELS;
  p.threads_at = round_up(p.batch * p.pixels * sizeof(float), 16);
  p.v_in_thread = 16 * p.band * p.ldm * sizeof(int32_t);
  p.scales_in_thread = p.v_in_thread + 16 * p.band * p.depth * sizeof(int16_t);
  p.per_thread = round_up(p.scales_in_thread + p.band * sizeof(float), 16);
  return p;
}

size_t mrw_winograd_i8_workspace_bytes(const mrw_conv_shape *s, int threads) {
  i8_plan p = plan(s, threads);
  return p.threads_at + (size_t)threads * p.per_thread;
}

size_t mrw_winograd_i8_packed_count(const mrw_conv_shape *s) {
  return 16 * round_up((size_t)s->out_c, MRW_GEMM_I8_NR) * round_up((size_t)s->in_c, 8);
}

// weights: [out_c][in_c][3][3] int8 -> packed: [16][out_c / 8 panels][depth / 2][8][2], U[e]
// of (ci, co) at panel co / 8, pair ci / 2, column co % 8, slot ci % 2; padding zero.
void mrw_winograd_i8_pack_weights(const mrw_conv_shape *s, const int8_t *weights,
                                  int16_t *packed) {
  size_t in_c = (size_t)s->in_c, out_c = (size_t)s->out_c, depth = round_up(in_c, 8);
  size_t per_point = round_up(out_c, MRW_GEMM_I8_NR) * depth;
  memset(packed, 0, mrw_winograd_i8_packed_count(s) * sizeof(int16_t));
  for (size_t co = 0; co < out_c; co++)
    for (size_t ci = 0; ci < in_c; ci++) {
      int16_t u[16];
      mrw_winograd_i8_kernel_transform(weights + (co * in_c + ci) * 9, u);
      size_t at = (co / MRW_GEMM_I8_NR * depth + ci / 2 * 2) * MRW_GEMM_I8_NR +
                  co % MRW_GEMM_I8_NR * 2 + ci % 2;
      for (size_t e = 0; e < 16; e++) packed[e * per_point + at] = u[e];
    }
}

typedef struct i8_job {
  const mrw_conv_shape *shape;
  i8_plan plan;
  const float *input;
  const int16_t *packed;
  const float *col_scales;
  const mrw_epilogue *epilogue;
  float *output;
  unsigned char *ws;
} i8_job;

static float *pixel_max(const i8_job *job) { return (float *)job->ws; }

// Pass 1: the largest magnitude of each pixel's channels.
static void max_task(void *ctx, size_t task, int thread) {
  (void)thread;
  const i8_job *job = ctx;
  size_t c = (size_t)job->shape->in_c, all = job->plan.batch * job->plan.pixels;
  size_t end = (task + 1) * MAX_PIXELS < all ? (task + 1) * MAX_PIXELS : all;
  for (size_t px = task * MAX_PIXELS; px < end; px++)
    pixel_max(job)[px] = mrw_max_abs(job->input + px * c, c);
}

// Channels [c, c + 8) of a pixel quantized to int16 lanes (channels past in_c are zero).
static v128_t quantize8(const float *pixel, size_t c, size_t in_c, v128_t inv) {
  size_t left = in_c - c;
  if (left >= 8)
    return wasm_i16x8_narrow_i32x4(mrw_quantize_f32x4(wasm_v128_load(pixel + c), inv),
                                   mrw_quantize_f32x4(wasm_v128_load(pixel + c + 4), inv));
  v128_t lo = mrw_load_f32_partial(pixel + c, left < 4 ? left : 4);
  v128_t hi = left > 4 ? mrw_load_f32_partial(pixel + c + 4, left - 4 < 4 ? left - 4 : 4) : wasm_f32x4_splat(0.0f);
  return wasm_i16x8_narrow_i32x4(mrw_quantize_f32x4(lo, inv), mrw_quantize_f32x4(hi, inv));
}

// d: 16 vectors (4x4 patch, 8 channels each, int16) -> v = B^T d B, the same adds and
// subtractions as the float kernel's input transform (|v| <= 4 x 127: int16 is exact).
static void input_transform8(const v128_t *d, v128_t *v) {
  v128_t t[4][4];
  for (int j = 0; j < 4; j++) {
    t[0][j] = wasm_i16x8_sub(d[j], d[8 + j]);
    t[1][j] = wasm_i16x8_add(d[4 + j], d[8 + j]);
    t[2][j] = wasm_i16x8_sub(d[8 + j], d[4 + j]);
    t[3][j] = wasm_i16x8_sub(d[4 + j], d[12 + j]);
  }
  for (int i = 0; i < 4; i++) {
    v[i * 4 + 0] = wasm_i16x8_sub(t[i][0], t[i][2]);
    v[i * 4 + 1] = wasm_i16x8_add(t[i][1], t[i][2]);
    v[i * 4 + 2] = wasm_i16x8_sub(t[i][2], t[i][1]);
    v[i * 4 + 3] = wasm_i16x8_sub(t[i][1], t[i][3]);
  }
}

// Tile t's 16 input pixels (row-major 4x4), NULL outside the image, and its scale: the
// patch quantized as one row, by the formulas of mrw_quantize_rows_ref; returns 1 / scale.
static float tile_sources(const i8_job *job, size_t t, const float **src, float *scale) {
  const mrw_conv_shape *s = job->shape;
  size_t n = t / job->plan.tiles_per_image, r = t % job->plan.tiles_per_image;
  int y0 = (int)(r / job->plan.tiles_x) * 2 - 1, x0 = (int)(r % job->plan.tiles_x) * 2 - 1;
  size_t first = n * job->plan.pixels;
  float m = 0.0f;
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      int y = y0 + i, x = x0 + j;
      src[i * 4 + j] = NULL;
      if (y < 0 || y >= s->in_h || x < 0 || x >= s->in_w) continue;
      size_t px = first + (size_t)y * s->in_w + (size_t)x;
      src[i * 4 + j] = job->input + px * (size_t)s->in_c;
      float a = pixel_max(job)[px];
      m = m < a ? a : m;
    }
  return mrw_quantize_factor(m, scale);
}

// Tile t -> row k of each point's V [16][band][depth], 8 channels at a time: the patch
// quantized (int16 lanes), then B^T d B; its scale to scales[k].
static void transform_tile(const i8_job *job, size_t t, int16_t *v, size_t k, float *scales) {
  const float *src[16];
  const v128_t inv = wasm_f32x4_splat(tile_sources(job, t, src, &scales[k]));
  size_t depth = job->plan.depth, stride = job->plan.band * depth, in_c = (size_t)job->shape->in_c;
  for (size_t c = 0; c < depth; c += 8) {
    v128_t d[16], p[16];
    for (int i = 0; i < 16; i++) d[i] = src[i] ? quantize8(src[i], c, in_c, inv) : wasm_i16x8_splat(0);
    input_transform8(d, p);
    for (int e = 0; e < 16; e++) wasm_v128_store(v + e * stride + k * depth + c, p[e]);
  }
}

// m: 16 vectors (4 output channels each, int32) -> y = A^T m A as y00, y01, y10, y11; the
// adds wrap modulo 2^32 and the exact result fits (see the header).
static void output_transform4(const v128_t *m, v128_t *y) {
  v128_t t[2][4];
  for (int j = 0; j < 4; j++) {
    t[0][j] = wasm_i32x4_add(wasm_i32x4_add(m[j], m[4 + j]), m[8 + j]);
    t[1][j] = wasm_i32x4_sub(wasm_i32x4_sub(m[4 + j], m[8 + j]), m[12 + j]);
  }
  for (int i = 0; i < 2; i++) {
    y[i * 2 + 0] = wasm_i32x4_add(wasm_i32x4_add(t[i][0], t[i][1]), t[i][2]);
    y[i * 2 + 1] = wasm_i32x4_sub(wasm_i32x4_sub(t[i][1], t[i][2]), t[i][3]);
  }
}

// Tile t's sums (row k of each point's M [16][band][ldm]) -> its up to 2x2 output pixels:
// A^T M A / 4 (exact: the direct sum), then the integer GEMM's float epilogue.
static void finish_tile(const i8_job *job, size_t t, const int32_t *m, size_t k,
                        float tile_scale) {
  const mrw_conv_shape *s = job->shape;
  const mrw_epilogue *e = job->epilogue;
  size_t out_c = (size_t)s->out_c, stride = job->plan.band * job->plan.ldm;
  size_t n = t / job->plan.tiles_per_image, r = t % job->plan.tiles_per_image;
  int oy = (int)(r / job->plan.tiles_x) * 2, ox = (int)(r % job->plan.tiles_x) * 2;
  int rows = s->in_h - oy < 2 ? 1 : 2, cols = s->in_w - ox < 2 ? 1 : 2;
  size_t pixel[4];
  for (int i = 0; i < 4; i++)
    pixel[i] = n * job->plan.pixels + (size_t)(oy + i / 2) * s->in_w + (size_t)(ox + i % 2);
  const v128_t zero = wasm_f32x4_splat(0.0f);
  const v128_t vscale = wasm_f32x4_splat(tile_scale);
  for (size_t co = 0; co < out_c; co += 4) {
    size_t width = out_c - co < 4 ? out_c - co : 4;
    v128_t point[16], y[4];
    for (int p = 0; p < 16; p++) point[p] = wasm_v128_load(m + p * stride + k * job->plan.ldm + co);
    output_transform4(point, y);
    v128_t scale = wasm_f32x4_mul(vscale, mrw_load_f32_partial(job->col_scales + co, width));
    v128_t bias = e && e->bias ? mrw_load_f32_partial(e->bias + co, width) : zero;
    for (int i = 0; i < 4; i++) {
      if (i / 2 >= rows || i % 2 >= cols) continue;
      v128_t v = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_shr(y[i], 2)), scale);
      if (e && e->bias) v = wasm_f32x4_add(v, bias);
      if (e && e->residual)
        v = wasm_f32x4_add(v, mrw_load_f32_partial(e->residual + pixel[i] * e->ldr + co, width));
      if (e && e->relu) v = wasm_f32x4_pmax(v, zero); /* v < 0 ? 0 : v, as the reference */
      mrw_store_f32_partial(job->output + pixel[i] * out_c + co, v, width);
    }
  }
}

// One band on one thread: transform its tiles (rows past the band's end zero), 16 integer
// GEMMs of band x depth by depth x out_c, transform back.
static void band_task(void *ctx, size_t index, int thread) {
  const i8_job *job = ctx;
  const i8_plan *p = &job->plan;
  unsigned char *mine = job->ws + p->threads_at + (size_t)thread * p->per_thread;
  int32_t *m = (int32_t *)mine;
  int16_t *v = (int16_t *)(mine + p->v_in_thread);
  float *scales = (float *)(mine + p->scales_in_thread);
  size_t first = index * p->band;
  size_t count = p->tiles - first < p->band ? p->tiles - first : p->band;
  size_t padded = round_up(count, MRW_GEMM_I8_MR);
  for (size_t k = 0; k < count; k++) transform_tile(job, first + k, v, k, scales);
  for (size_t e = 0; e < 16; e++)
    memset(v + (e * p->band + count) * p->depth, 0, (padded - count) * p->depth * sizeof(int16_t));
  size_t pairs = p->depth / 2, panels = p->ldm / MRW_GEMM_I8_NR;
  for (size_t e = 0; e < 16; e++) {
    const int16_t *ve = v + e * p->band * p->depth;
    int32_t *me = m + e * p->band * p->ldm;
    for (size_t j = 0; j < panels; j++) {
      const int16_t *panel = job->packed + (e * panels + j) * p->depth * MRW_GEMM_I8_NR;
      for (size_t i = 0; i < padded; i += MRW_GEMM_I8_MR) {
        const int16_t *rows[MRW_GEMM_I8_MR];
        for (size_t r = 0; r < MRW_GEMM_I8_MR; r++) rows[r] = ve + (i + r) * p->depth;
        mrw_gemm_i8_tile_sums(pairs, rows, panel, me + i * p->ldm + j * MRW_GEMM_I8_NR, p->ldm);
      }
    }
  }
  for (size_t k = 0; k < count; k++) finish_tile(job, first + k, m, k, scales[k]);
}

void mrw_winograd_i8_conv2d(const mrw_conv_shape *s, const float *input, const int16_t *packed,
                            const float *col_scales, const mrw_epilogue *epilogue, float *output,
                            void *workspace, mrw_thread_pool *pool) {
  i8_job job = {.shape = s, .plan = plan(s, mrw_thread_pool_size(pool)), .input = input,
                .packed = packed, .col_scales = col_scales, .epilogue = epilogue,
                .output = output, .ws = workspace};
  if (job.plan.tiles == 0) return;
  mrw_thread_pool_run(pool, job.plan.max_tasks, max_task, &job);
  mrw_thread_pool_run(pool, job.plan.bands, band_task, &job);
}
