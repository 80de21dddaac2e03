#include "kernels/winograd_i8.h"

#include <string.h>

#include "kernels/gemm_i8.h"
#include "kernels/quantize_simd.h"
#include "kernels/winograd.h"
#include "kernels/winograd_simd.h"
#include "simd/partial.h"
#include "simd/simd.h"

/* Per thread, a band's transformed tiles and sums take at most this many bytes, so a band
 * stays in the caches' reach and memory stays bounded whatever the image size. */
#define BAND_BUDGET_BYTES ((size_t)1 << 20)
/* Pixels per task of the magnitude pass: enough work to outweigh a task's dispatch. */
#define MAX_PIXELS 256

static size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }

/* The per-tile steps are written once for both tiles and inlined into a copy for each, so that
 * each copy's loops have constant counts and its vectors stay in registers. */
#define PER_TILE static inline __attribute__((always_inline))

/* Where everything lives in the workspace (byte offsets, each 16-byte aligned): the largest
 * magnitude of each input pixel the call reads [maxima] (floats: every pixel of the batch, or
 * a window's rows and the row above and below them), then per thread: M [points][band][ldm]
 * (int32), V [points][band][depth] (int16) and the band's tile scales [band] (floats). */
typedef struct i8_plan {
  size_t tile, points, batch, pixels, maxima, depth, ldm;
  size_t tiles_x, tiles_per_image, tiles, band, max_tasks; /* band: the most tiles of a band */
  mrw_winograd_split split;
  size_t threads_at, per_thread, v_in_thread, scales_in_thread;
} i8_plan;

/* s: the call's shape (a window's: in_h its rows); maxima: the pixel magnitudes it reads. */
static i8_plan plan(const mrw_conv_shape *s, int tile, size_t maxima, int threads) {
  i8_plan p;
  p.tile = (size_t)tile;
  p.points = (size_t)mrw_winograd_points(tile);
  p.batch = (size_t)mrw_conv_batch(s);
  p.pixels = (size_t)s->in_h * (size_t)s->in_w;
  p.maxima = maxima;
  p.depth = round_up((size_t)s->in_c, 8);
  p.ldm = round_up((size_t)s->out_c, MRW_GEMM_I8_NR);
  p.tiles_x = ((size_t)s->in_w + p.tile - 1) / p.tile;
  p.tiles_per_image = ((size_t)s->in_h + p.tile - 1) / p.tile * p.tiles_x;
  p.tiles = p.tiles_per_image * p.batch;
  size_t per_tile = p.points * (p.depth * sizeof(int16_t) + p.ldm * sizeof(int32_t));
  size_t most = BAND_BUDGET_BYTES / per_tile;
  p.split = mrw_winograd_split_bands(p.tiles, most, threads);
  p.band = mrw_winograd_band_capacity(p.tiles, most);
  p.max_tasks = (p.maxima + MAX_PIXELS - 1) / MAX_PIXELS;
  p.threads_at = round_up(p.maxima * sizeof(float), 16);
  p.v_in_thread = p.points * p.band * p.ldm * sizeof(int32_t);
  p.scales_in_thread = p.v_in_thread + p.points * p.band * p.depth * sizeof(int16_t);
  p.per_thread = round_up(p.scales_in_thread + p.band * sizeof(float), 16);
  return p;
}

static size_t workspace_bytes(const i8_plan *p, int threads) {
  return p->threads_at + (size_t)threads * p->per_thread;
}

size_t mrw_winograd_i8_workspace_bytes(const mrw_conv_shape *s, int tile, int threads) {
  i8_plan p = plan(s, tile, (size_t)mrw_conv_batch(s) * s->in_h * s->in_w, threads);
  return workspace_bytes(&p, threads);
}

/* A window of `rows` output rows reads the pixel magnitudes of those rows and of one row on
 * either side (fewer at the image's edges). */
static size_t window_maxima(const mrw_conv_shape *s, int rows) {
  int halo_rows = rows + 2 < s->in_h ? rows + 2 : s->in_h;
  return (size_t)halo_rows * (size_t)s->in_w;
}

size_t mrw_winograd_i8_rows_workspace_bytes(const mrw_conv_shape *s, int tile, int rows,
                                            int threads) {
  mrw_conv_shape window = mrw_winograd_window_shape(s, rows);
  i8_plan p = plan(&window, tile, window_maxima(s, rows), threads);
  return workspace_bytes(&p, threads);
}

size_t mrw_winograd_i8_packed_count(const mrw_conv_shape *s, int tile) {
  return (size_t)mrw_winograd_points(tile) * round_up((size_t)s->out_c, MRW_GEMM_I8_NR) *
         round_up((size_t)s->in_c, 8);
}

// weights: [out_c][in_c][3][3] int8 -> packed: [points][out_c / 8 panels][depth / 2][8][2],
// U[e] of (ci, co) at panel co / 8, pair ci / 2, column co % 8, slot ci % 2; padding zero.
void mrw_winograd_i8_pack_weights(const mrw_conv_shape *s, int tile, const int8_t *weights,
                                  int16_t *packed) {
  size_t in_c = (size_t)s->in_c, out_c = (size_t)s->out_c, depth = round_up(in_c, 8);
  size_t per_point = round_up(out_c, MRW_GEMM_I8_NR) * depth;
  size_t points = (size_t)mrw_winograd_points(tile);
  memset(packed, 0, mrw_winograd_i8_packed_count(s, tile) * sizeof(int16_t));
  for (size_t co = 0; co < out_c; co++)
    for (size_t ci = 0; ci < in_c; ci++) {
      int16_t u[36];
      mrw_winograd_i8_kernel_transform(tile, weights + (co * in_c + ci) * 9, u);
      size_t at = (co / MRW_GEMM_I8_NR * depth + ci / 2 * 2) * MRW_GEMM_I8_NR +
                  co % MRW_GEMM_I8_NR * 2 + ci % 2;
      for (size_t e = 0; e < points; e++) packed[e * per_point + at] = u[e];
    }
}

/* shape: the call's (a window's: in_h its rows); the window's rows start at row0 of an image
 * image_h rows high, and the pixel magnitudes at image row maxima_row0 (all 0 for a whole
 * call). */
typedef struct i8_job {
  const mrw_conv_shape *shape;
  i8_plan plan;
  int row0, image_h, maxima_row0;
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
  size_t c = (size_t)job->shape->in_c, all = job->plan.maxima;
  size_t end = (task + 1) * MAX_PIXELS < all ? (task + 1) * MAX_PIXELS : all;
  const float *first = job->input + (size_t)job->maxima_row0 * (size_t)job->shape->in_w * c;
  for (size_t px = task * MAX_PIXELS; px < end; px++)
    pixel_max(job)[px] = mrw_max_abs(first + px * c, c);
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

/* Transforms of one dimension on SIMD lanes: x[0], x[xs], ... -> o[0], o[os], ... Inputs
 * int16 (B^T, exact: see the header's bounds), sums int32 (A^T, modulo 2^32). */

// B^T for tile 2 (4 -> 4), the same adds and subtractions as the float kernel's.
static inline void bt_2(const v128_t *x, size_t xs, v128_t *o, size_t os) {
  v128_t d0 = x[0], d1 = x[xs], d2 = x[2 * xs], d3 = x[3 * xs];
  o[0] = wasm_i16x8_sub(d0, d2);
  o[os] = wasm_i16x8_add(d1, d2);
  o[2 * os] = wasm_i16x8_sub(d2, d1);
  o[3 * os] = wasm_i16x8_sub(d1, d3);
}

// B^T for tile 4 (6 -> 6): rows [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0;
// 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1], the multiplications as shifts.
static inline void bt_4(const v128_t *x, size_t xs, v128_t *o, size_t os) {
  v128_t d0 = x[0], d1 = x[xs], d2 = x[2 * xs], d3 = x[3 * xs], d4 = x[4 * xs], d5 = x[5 * xs];
  v128_t d2_5 = wasm_i16x8_add(wasm_i16x8_shl(d2, 2), d2);
  v128_t d3_5 = wasm_i16x8_add(wasm_i16x8_shl(d3, 2), d3);
  v128_t s12 = wasm_i16x8_shl(wasm_i16x8_add(d1, d2), 2);
  v128_t m12 = wasm_i16x8_shl(wasm_i16x8_sub(d1, d2), 2);
  v128_t e42 = wasm_i16x8_sub(d4, d2), m31 = wasm_i16x8_shl(wasm_i16x8_sub(d3, d1), 1);
  o[0] = wasm_i16x8_add(wasm_i16x8_sub(wasm_i16x8_shl(d0, 2), d2_5), d4);
  o[os] = wasm_i16x8_sub(wasm_i16x8_add(d3, d4), s12);
  o[2 * os] = wasm_i16x8_add(wasm_i16x8_sub(d4, d3), m12);
  o[3 * os] = wasm_i16x8_add(e42, m31);
  o[4 * os] = wasm_i16x8_sub(e42, m31);
  o[5 * os] = wasm_i16x8_add(wasm_i16x8_sub(wasm_i16x8_shl(d1, 2), d3_5), d5);
}

// A^T for tile 2 (4 -> 2): rows [1 1 1 0; 0 1 -1 -1].
static inline void at_2(const v128_t *x, size_t xs, v128_t *o, size_t os) {
  v128_t m0 = x[0], m1 = x[xs], m2 = x[2 * xs], m3 = x[3 * xs];
  o[0] = wasm_i32x4_add(wasm_i32x4_add(m0, m1), m2);
  o[os] = wasm_i32x4_sub(wasm_i32x4_sub(m1, m2), m3);
}

// A^T for tile 4 (6 -> 4) with its last column taken 4 times (the header's D): rows
// [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 4].
static inline void at_4(const v128_t *x, size_t xs, v128_t *o, size_t os) {
  v128_t m0 = x[0], m1 = x[xs], m2 = x[2 * xs], m3 = x[3 * xs], m4 = x[4 * xs], m5 = x[5 * xs];
  v128_t a = wasm_i32x4_add(m1, m2), b = wasm_i32x4_sub(m1, m2);
  v128_t c = wasm_i32x4_add(m3, m4), d = wasm_i32x4_sub(m3, m4);
  o[0] = wasm_i32x4_add(wasm_i32x4_add(m0, a), c);
  o[os] = wasm_i32x4_add(b, wasm_i32x4_shl(d, 1));
  o[2 * os] = wasm_i32x4_add(a, wasm_i32x4_shl(c, 2));
  o[3 * os] = wasm_i32x4_add(wasm_i32x4_add(b, wasm_i32x4_shl(d, 3)), wasm_i32x4_shl(m5, 2));
}

// d: the patch ([n][n] vectors, n = tile + 2) -> v = B^T d B: down the columns, then the rows.
PER_TILE void input_transform(int tile, const v128_t *d, v128_t *v) {
  if (tile == 4)
    mrw_winograd_transform_2d(bt_4, 6, 6, d, v);
  else
    mrw_winograd_transform_2d(bt_2, 4, 4, d, v);
}

// m: the sums ([n][n] vectors) -> y = A^T m A ([tile][tile]).
PER_TILE void output_transform(int tile, const v128_t *m, v128_t *y) {
  if (tile == 4)
    mrw_winograd_transform_2d(at_4, 6, 4, m, y);
  else
    mrw_winograd_transform_2d(at_2, 4, 2, m, y);
}

// Tile 4's sums are 576 times the direct ones, modulo 2^32: shifted down by 6 (logically: the
// low 26 bits of 9 times the sum), times the inverse of 9 modulo 2^32, and the low 26 bits
// sign-extended give the sum itself when |sum| < 2^25 (see the header).
static v128_t divide_576(v128_t y) {
  v128_t nine_y = wasm_u32x4_shr(y, 6);
  v128_t low = wasm_i32x4_mul(nine_y, wasm_i32x4_splat((int32_t)0x38E38E39));
  return wasm_i32x4_shr(wasm_i32x4_shl(low, 6), 6);
}

// Tile t's input pixels (row-major, (tile + 2)^2), NULL outside the image, and its scale: the
// patch quantized as one row, by the formulas of mrw_quantize_rows_ref; returns 1 / scale.
static float tile_sources(const i8_job *job, size_t t, const float **src, float *scale) {
  const mrw_conv_shape *s = job->shape;
  int m = (int)job->plan.tile, n = m + 2;
  size_t b = t / job->plan.tiles_per_image, r = t % job->plan.tiles_per_image;
  int y0 = job->row0 + (int)(r / job->plan.tiles_x) * m - 1;
  int x0 = (int)(r % job->plan.tiles_x) * m - 1;
  size_t first = b * job->plan.pixels; /* a window is of one image */
  float peak = 0.0f;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      int y = y0 + i, x = x0 + j;
      src[i * n + j] = NULL;
      if (y < 0 || y >= job->image_h || x < 0 || x >= s->in_w) continue;
      size_t px = first + (size_t)y * s->in_w + (size_t)x;
      src[i * n + j] = job->input + px * (size_t)s->in_c;
      float a = pixel_max(job)[px - (size_t)job->maxima_row0 * (size_t)s->in_w];
      peak = peak < a ? a : peak;
    }
  return mrw_quantize_factor(peak, scale);
}

// Tile t -> row k of each point's V [points][band][depth], 8 channels at a time: the patch
// quantized (int16 lanes), then B^T d B; its scale to scales[k].
PER_TILE void transform_tile_of(const i8_job *job, size_t t, int16_t *v, size_t k,
                                float *scales, int tile) {
  const float *src[36];
  const v128_t inv = wasm_f32x4_splat(tile_sources(job, t, src, &scales[k]));
  size_t depth = job->plan.depth, stride = job->plan.band * depth, in_c = (size_t)job->shape->in_c;
  int points = (tile + 2) * (tile + 2);
  for (size_t c = 0; c < depth; c += 8) {
    v128_t d[36], p[36];
    for (int i = 0; i < points; i++)
      d[i] = src[i] ? quantize8(src[i], c, in_c, inv) : wasm_i16x8_splat(0);
    input_transform(tile, d, p);
    for (int e = 0; e < points; e++) wasm_v128_store(v + e * stride + k * depth + c, p[e]);
  }
}

static void transform_tile(const i8_job *job, size_t t, int16_t *v, size_t k, float *scales) {
  if (job->plan.tile == 4)
    transform_tile_of(job, t, v, k, scales, 4);
  else
    transform_tile_of(job, t, v, k, scales, 2);
}

// Tile t's sums (row k of each point's M [points][band][ldm]) -> its output pixels (up to
// tile x tile): A^T M A divided by its factor (exact: the direct sum), then the integer GEMM's
// float epilogue.
PER_TILE void finish_tile_of(const i8_job *job, size_t t, const int32_t *m, size_t k,
                             float tile_scale, int tile) {
  const mrw_conv_shape *s = job->shape;
  const mrw_epilogue *e = job->epilogue;
  int n = tile + 2;
  size_t out_c = (size_t)s->out_c, stride = job->plan.band * job->plan.ldm;
  size_t b = t / job->plan.tiles_per_image, r = t % job->plan.tiles_per_image;
  int oy = (int)(r / job->plan.tiles_x) * tile, ox = (int)(r % job->plan.tiles_x) * tile;
  int rows = s->in_h - oy < tile ? s->in_h - oy : tile;
  int cols = s->in_w - ox < tile ? s->in_w - ox : tile;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  const v128_t vscale = wasm_f32x4_splat(tile_scale);
  for (size_t co = 0; co < out_c; co += 4) {
    size_t width = out_c - co < 4 ? out_c - co : 4;
    v128_t point[36], y[16];
    for (int p = 0; p < n * n; p++)
      point[p] = wasm_v128_load(m + p * stride + k * job->plan.ldm + co);
    output_transform(tile, point, y);
    v128_t scale = wasm_f32x4_mul(vscale, mrw_load_f32_partial(job->col_scales + co, width));
    v128_t bias = e && e->bias ? mrw_load_f32_partial(e->bias + co, width) : zero;
    for (int i = 0; i < rows; i++)
      for (int j = 0; j < cols; j++) {
        size_t pixel = b * job->plan.pixels + (size_t)(oy + i) * s->in_w + (size_t)(ox + j);
        v128_t sum = tile == 4 ? divide_576(y[i * tile + j]) : wasm_i32x4_shr(y[i * tile + j], 2);
        v128_t v = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(sum), scale);
        if (e && e->bias) v = wasm_f32x4_add(v, bias);
        if (e && e->residual)
          v = wasm_f32x4_add(v, mrw_load_f32_partial(e->residual + pixel * e->ldr + co, width));
        if (e && e->relu) v = wasm_f32x4_pmax(v, zero); /* v < 0 ? 0 : v, as the reference */
        mrw_store_f32_partial(job->output + pixel * out_c + co, v, width);
      }
  }
}

static void finish_tile(const i8_job *job, size_t t, const int32_t *m, size_t k,
                        float tile_scale) {
  if (job->plan.tile == 4)
    finish_tile_of(job, t, m, k, tile_scale, 4);
  else
    finish_tile_of(job, t, m, k, tile_scale, 2);
}

// One band on one thread: transform its tiles (rows past the band's end zero), one integer
// GEMM of band x depth by depth x out_c per point, transform back.
static void band_task(void *ctx, size_t index, int thread) {
  const i8_job *job = ctx;
  const i8_plan *p = &job->plan;
  unsigned char *mine = job->ws + p->threads_at + (size_t)thread * p->per_thread;
  int32_t *m = (int32_t *)mine;
  int16_t *v = (int16_t *)(mine + p->v_in_thread);
  float *scales = (float *)(mine + p->scales_in_thread);
  size_t first = mrw_winograd_band_first(&p->split, index);
  size_t count = mrw_winograd_band_first(&p->split, index + 1) - first;
  size_t padded = round_up(count, MRW_GEMM_I8_MR);
  for (size_t k = 0; k < count; k++) transform_tile(job, first + k, v, k, scales);
  for (size_t e = 0; e < p->points; e++)
    memset(v + (e * p->band + count) * p->depth, 0, (padded - count) * p->depth * sizeof(int16_t));
  size_t pairs = p->depth / 2, panels = p->ldm / MRW_GEMM_I8_NR;
  for (size_t e = 0; e < p->points; e++) {
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

static void run_job(i8_job *job, mrw_thread_pool *pool) {
  if (job->plan.tiles == 0) return;
  mrw_thread_pool_run(pool, job->plan.max_tasks, max_task, job);
  mrw_thread_pool_run(pool, job->plan.split.bands, band_task, job);
}

void mrw_winograd_i8_conv2d(const mrw_conv_shape *s, int tile, const float *input,
                            const int16_t *packed, const float *col_scales,
                            const mrw_epilogue *epilogue, float *output, void *workspace,
                            mrw_thread_pool *pool) {
  size_t maxima = (size_t)mrw_conv_batch(s) * s->in_h * s->in_w;
  i8_job job = {.shape = s, .plan = plan(s, tile, maxima, mrw_thread_pool_size(pool)),
                .row0 = 0, .image_h = s->in_h, .maxima_row0 = 0, .input = input,
                .packed = packed, .col_scales = col_scales, .epilogue = epilogue,
                .output = output, .ws = workspace};
  run_job(&job, pool);
}

void mrw_winograd_i8_conv2d_rows(const mrw_conv_shape *s, int tile, const float *input, int row0,
                                 int rows, const int16_t *packed, const float *col_scales,
                                 const mrw_epilogue *epilogue, float *output, void *workspace,
                                 mrw_thread_pool *pool) {
  mrw_conv_shape window = mrw_winograd_window_shape(s, rows);
  int maxima_row0 = row0 > 0 ? row0 - 1 : 0;
  int maxima_end = row0 + rows + 1 < s->in_h ? row0 + rows + 1 : s->in_h;
  size_t maxima = (size_t)(maxima_end - maxima_row0) * (size_t)s->in_w;
  i8_job job = {.shape = &window,
                .plan = plan(&window, tile, maxima, mrw_thread_pool_size(pool)),
                .row0 = row0, .image_h = s->in_h, .maxima_row0 = maxima_row0, .input = input,
                .packed = packed, .col_scales = col_scales, .epilogue = epilogue,
                .output = output, .ws = workspace};
  run_job(&job, pool);
}
