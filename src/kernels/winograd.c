#include "kernels/winograd.h"

#include <string.h>

#include "kernels/winograd_simd.h"
#include "simd/partial.h"
#include "simd/simd.h"

/* Per thread, a band's transformed input and products take at most this many floats (2 MB),
 * so a band stays in the caches' reach and memory stays bounded whatever the image size.
 * Against 4 MB, ResNet-50's scratch at 800x1199 is 4 MB smaller per thread in each stage and
 * the package's heap top 6 MB lower; paired runs showed no change in time beyond the noise. */
#define BAND_BUDGET_FLOATS ((size_t)1 << 19)

typedef struct band_plan {
  int tile, patch, points;                /* output tile edge, input patch edge, points */
  size_t tiles_x, tiles_per_image, tiles; /* tiles over the whole batch */
  mrw_winograd_split split;
  size_t band;                            /* the most tiles a band holds, a multiple of 4 */
  size_t v_floats;                        /* per point: [band / 4][in_c][4] */
  size_t m_floats;                        /* per point: [band][out_c] */
  size_t zero_floats;                     /* a zero pixel for the padding */
  size_t per_thread;
} band_plan;

static size_t round_up4(size_t x) { return (x + 3) / 4 * 4; }

mrw_winograd_split mrw_winograd_split_bands(size_t tiles, size_t most, int threads) {
  mrw_winograd_split split = {tiles, (tiles + 3) / 4, 0};
  if (tiles == 0) return split;
  size_t t = threads < 1 ? 1 : (size_t)threads, most_quads = most < 4 ? 1 : most / 4;
  size_t bands = (split.quads + most_quads - 1) / most_quads;
  size_t wanted = split.quads / (MRW_WINOGRAD_BAND_MIN_TILES / 4);
  if (wanted > 2 * t) wanted = 2 * t;
  if (bands < wanted) bands = wanted;
  bands = (bands + t - 1) / t * t;
  split.bands = bands < split.quads ? bands : split.quads;
  return split;
}

size_t mrw_winograd_band_first(const mrw_winograd_split *split, size_t band) {
  size_t first = 4 * (band * split->quads / split->bands);
  return first < split->tiles ? first : split->tiles;
}

size_t mrw_winograd_band_capacity(size_t tiles, size_t most) {
  size_t cap = round_up4(tiles), most4 = most < 4 ? 4 : most / 4 * 4;
  cap = cap < most4 ? cap : most4;
  return cap < 4 ? 4 : cap;
}

static band_plan plan_bands(const mrw_conv_shape *s, int tile, int threads) {
  band_plan p;
  size_t in_c = (size_t)s->in_c, out_c = (size_t)s->out_c;
  p.tile = tile;
  p.patch = tile + 2;
  p.points = mrw_winograd_points(tile);
  size_t tiles_y = ((size_t)s->in_h + (size_t)tile - 1) / (size_t)tile;
  p.tiles_x = ((size_t)s->in_w + (size_t)tile - 1) / (size_t)tile;
  p.tiles_per_image = tiles_y * p.tiles_x;
  p.tiles = p.tiles_per_image * (size_t)mrw_conv_batch(s);
  size_t most = BAND_BUDGET_FLOATS / ((size_t)p.points * (in_c + out_c));
  p.split = mrw_winograd_split_bands(p.tiles, most, threads);
  p.band = mrw_winograd_band_capacity(p.tiles, most);
  p.v_floats = p.band * in_c;
  p.m_floats = p.band * out_c;
  p.zero_floats = round_up4(in_c);
  p.per_thread = (size_t)p.points * (p.v_floats + p.m_floats) + p.zero_floats;
  return p;
}

size_t mrw_winograd_workspace_floats(const mrw_conv_shape *s, int tile, int threads) {
  return (size_t)threads * plan_bands(s, tile, threads).per_thread;
}

size_t mrw_winograd_packed_floats(const mrw_conv_shape *s, int tile) {
  return (size_t)mrw_winograd_points(tile) *
         mrw_gemm_packed_b_floats((size_t)s->in_c, (size_t)s->out_c);
}

/* Packing the transformed weights, a panel of 8 output channels per task, from the torch
 * layout (mrw_winograd_pack_weights) or from panels (mrw_winograd_pack_panels). */
typedef struct pack_job {
  const mrw_conv_shape *shape;
  int tile;
  const float *source;
  float *packed;
} pack_job;

// One panel of 8 output channels of every point, padding columns zero.
static void pack_panel(void *ctx, size_t panel, int thread) {
  (void)thread;
  const pack_job *job = ctx;
  size_t in_c = (size_t)job->shape->in_c, out_c = (size_t)job->shape->out_c;
  size_t points = (size_t)mrw_winograd_points(job->tile);
  size_t per_point = mrw_gemm_packed_b_floats(in_c, out_c);
  size_t panel_floats = in_c * MRW_GEMM_NR;
  for (size_t e = 0; e < points; e++)
    memset(job->packed + e * per_point + panel * panel_floats, 0, panel_floats * sizeof(float));
  size_t co_end = (panel + 1) * MRW_GEMM_NR < out_c ? (panel + 1) * MRW_GEMM_NR : out_c;
  for (size_t co = panel * MRW_GEMM_NR; co < co_end; co++)
    for (size_t ci = 0; ci < in_c; ci++) {
      float u[MRW_WINOGRAD_MAX_POINTS];
      mrw_winograd_kernel_transform(job->tile, job->source + (co * in_c + ci) * 9, u);
      size_t at = panel * panel_floats + ci * MRW_GEMM_NR + co % MRW_GEMM_NR;
      for (size_t e = 0; e < points; e++) job->packed[e * per_point + at] = u[e];
    }
}

// weights: [out_c][in_c][3][3] (torch) -> packed: [points][ceil(out_c/8)][in_c][8], U[e] of
// each (ci, co) at panel co / 8, row ci, column co % 8.
void mrw_winograd_pack_weights(const mrw_conv_shape *s, int tile, const float *weights,
                               float *packed, mrw_thread_pool *pool) {
  pack_job job = {s, tile, weights, packed};
  size_t panels = ((size_t)s->out_c + MRW_GEMM_NR - 1) / MRW_GEMM_NR;
  mrw_thread_pool_run(pool, panels, pack_panel, &job);
}

/* The one-dimensional transforms of winograd_ref.c on four channels at once, the same
 * operations in the same order: x (at stride xs) -> o (at stride os). */
#define ADD wasm_f32x4_add
#define SUB wasm_f32x4_sub
#define MUL(v, k) wasm_f32x4_mul(v, wasm_f32x4_splat(k))

static inline void bt_2(const v128_t *x, size_t xs, v128_t *o, size_t os) {
  v128_t d0 = x[0], d1 = x[xs], d2 = x[2 * xs], d3 = x[3 * xs];
  o[0] = SUB(d0, d2);
  o[os] = ADD(d1, d2);
  o[2 * os] = SUB(d2, d1);
  o[3 * os] = SUB(d1, d3);
}

static inline void bt_4(const v128_t *x, size_t xs, v128_t *o, size_t os) {
  v128_t d0 = x[0], d1 = x[xs], d2 = x[2 * xs], d3 = x[3 * xs], d4 = x[4 * xs], d5 = x[5 * xs];
  o[0] = ADD(SUB(MUL(d0, 4.0f), MUL(d2, 5.0f)), d4);
  o[os] = SUB(ADD(d3, d4), MUL(ADD(d1, d2), 4.0f));
  o[2 * os] = ADD(SUB(d4, d3), MUL(SUB(d1, d2), 4.0f));
  o[3 * os] = ADD(SUB(d4, d2), MUL(SUB(d3, d1), 2.0f));
  o[4 * os] = SUB(SUB(d4, d2), MUL(SUB(d3, d1), 2.0f));
  o[5 * os] = ADD(SUB(MUL(d1, 4.0f), MUL(d3, 5.0f)), d5);
}

static inline void at_2(const v128_t *x, size_t xs, v128_t *o, size_t os) {
  v128_t m0 = x[0], m1 = x[xs], m2 = x[2 * xs], m3 = x[3 * xs];
  o[0] = ADD(ADD(m0, m1), m2);
  o[os] = SUB(SUB(m1, m2), m3);
}

static inline void at_4(const v128_t *x, size_t xs, v128_t *o, size_t os) {
  v128_t m0 = x[0], m1 = x[xs], m2 = x[2 * xs], m3 = x[3 * xs], m4 = x[4 * xs], m5 = x[5 * xs];
  v128_t a = ADD(m1, m2), b = SUB(m1, m2), c = ADD(m3, m4), d = SUB(m3, m4);
  o[0] = ADD(ADD(m0, a), c);
  o[os] = ADD(b, MUL(d, 2.0f));
  o[2 * os] = ADD(a, MUL(c, 4.0f));
  o[3 * os] = ADD(ADD(b, MUL(d, 8.0f)), m5);
}

// d: the patch ([n][n] vectors, n = tile + 2) -> v = B^T d B: down the columns, then the rows.
static void input_transform(int tile, const v128_t *d, v128_t *v) {
  if (tile == 4)
    mrw_winograd_transform_2d(bt_4, 6, 6, d, v);
  else
    mrw_winograd_transform_2d(bt_2, 4, 4, d, v);
}

// m: the sums ([n][n] vectors) -> y = A^T m A ([tile][tile]).
static void output_transform(int tile, const v128_t *m, v128_t *y) {
  if (tile == 4)
    mrw_winograd_transform_2d(at_4, 6, 4, m, y);
  else
    mrw_winograd_transform_2d(at_2, 4, 2, m, y);
}

/* G on four channels at once, as g_2 and g_4 of winograd_ref.c. */
static inline void g_2(const v128_t *x, size_t xs, v128_t *o, size_t os) {
  v128_t a = x[0], b = x[xs], c = x[2 * xs];
  o[0] = a;
  o[os] = MUL(ADD(ADD(a, b), c), 0.5f);
  o[2 * os] = MUL(ADD(SUB(a, b), c), 0.5f);
  o[3 * os] = c;
}

static inline void g_4(const v128_t *x, size_t xs, v128_t *o, size_t os) {
  v128_t a = x[0], b = x[xs], c = x[2 * xs];
  v128_t ac = ADD(a, c), p = ADD(MUL(a, 1.0f / 24.0f), MUL(c, 1.0f / 6.0f)), q = MUL(b, 1.0f / 12.0f);
  o[0] = MUL(a, 0.25f);
  o[os] = MUL(ADD(ac, b), -1.0f / 6.0f);
  o[2 * os] = MUL(SUB(ac, b), -1.0f / 6.0f);
  o[3 * os] = ADD(p, q);
  o[4 * os] = SUB(p, q);
  o[5 * os] = c;
}

// g: [3][3] vectors -> u: [tile + 2][tile + 2] = G g G^T, down the columns, then the rows.
static void kernel_transform(int tile, const v128_t *g, v128_t *u) {
  if (tile == 4)
    mrw_winograd_transform_2d(g_4, 3, 6, g, u);
  else
    mrw_winograd_transform_2d(g_2, 3, 4, g, u);
}

size_t mrw_winograd_panel_floats(const mrw_conv_shape *s) {
  return 9 * mrw_gemm_packed_b_floats((size_t)s->in_c, (size_t)s->out_c);
}

// weights: [out_c][in_c][3][3] -> panels: [ceil(out_c / 8)][in_c][9][8].
void mrw_winograd_group_panels(const mrw_conv_shape *s, const float *weights, float *panels) {
  size_t in_c = (size_t)s->in_c, out_c = (size_t)s->out_c;
  memset(panels, 0, mrw_winograd_panel_floats(s) * sizeof(float));
  for (size_t co = 0; co < out_c; co++)
    for (size_t ci = 0; ci < in_c; ci++)
      for (size_t t = 0; t < 9; t++)
        panels[((co / MRW_GEMM_NR * in_c + ci) * 9 + t) * MRW_GEMM_NR + co % MRW_GEMM_NR] =
            weights[(co * in_c + ci) * 9 + t];
}

// One panel of 8 output channels, every input channel: its 9 taps as two vectors of 4
// channels each -> each point's row of 8 in the packed layout of mrw_winograd_pack_weights.
static void pack_panel_simd(void *ctx, size_t panel, int thread) {
  (void)thread;
  const pack_job *job = ctx;
  size_t in_c = (size_t)job->shape->in_c;
  size_t points = (size_t)mrw_winograd_points(job->tile);
  size_t per_point = mrw_gemm_packed_b_floats(in_c, (size_t)job->shape->out_c);
  for (size_t ci = 0; ci < in_c; ci++) {
    const float *g = job->source + ((panel * in_c + ci) * 9) * MRW_GEMM_NR;
    float *dst = job->packed + (panel * in_c + ci) * MRW_GEMM_NR;
    for (size_t half = 0; half < MRW_GEMM_NR; half += 4) {
      v128_t taps[9], u[MRW_WINOGRAD_MAX_POINTS];
      for (int t = 0; t < 9; t++) taps[t] = wasm_v128_load(g + t * MRW_GEMM_NR + half);
      kernel_transform(job->tile, taps, u);
      for (size_t e = 0; e < points; e++) wasm_v128_store(dst + e * per_point + half, u[e]);
    }
  }
}

void mrw_winograd_pack_panels(const mrw_conv_shape *s, int tile, const float *panels,
                              float *packed, mrw_thread_pool *pool) {
  pack_job job = {s, tile, panels, packed};
  size_t count = ((size_t)s->out_c + MRW_GEMM_NR - 1) / MRW_GEMM_NR;
  mrw_thread_pool_run(pool, count, pack_panel_simd, &job);
}

/* shape is the output's: for a window of rows, in_h is the window's height, its first row is
 * the input's row0 and the input image is image_h rows high (else row0 = 0, image_h = in_h). */
typedef struct wino_job {
  const mrw_conv_shape *shape;
  band_plan plan;
  int row0, image_h;
  const float *input;
  const float *packed;
  const mrw_epilogue *epilogue;
  float *output;
  size_t ldo; /* floats from one output pixel to the next */
  float *workspace;
} wino_job;

// The input pixels of tile t's patch (row-major), each the address of its in_c channels, or
// of the zero pixel in the padding.
static void tile_sources(const wino_job *job, size_t t, const float *zero, const float **src) {
  const mrw_conv_shape *s = job->shape;
  int tile = job->plan.tile, n = job->plan.patch;
  size_t b = t / job->plan.tiles_per_image, r = t % job->plan.tiles_per_image;
  int y0 = job->row0 + (int)(r / job->plan.tiles_x) * tile - 1;
  int x0 = (int)(r % job->plan.tiles_x) * tile - 1;
  const float *image = job->input + b * (size_t)job->image_h * s->in_w * s->in_c;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      int y = y0 + i, x = x0 + j;
      int inside = y >= 0 && y < job->image_h && x >= 0 && x < s->in_w;
      src[i * n + j] = inside ? image + ((size_t)y * s->in_w + x) * s->in_c : zero;
    }
}

// One group of 4 tiles (tiles past the band are zero), all channels, vectorized over 4
// channels; a 4x4 transpose per point turns [tile][channel] into the GEMM's [channel][tile].
// v: [points][band / 4][in_c][4] (point, group, channel, tile) = the GEMM's packed left
// operands.
static void transform_group(const wino_job *job, size_t first, size_t count, const float *zero,
                            float *v) {
  size_t in_c = (size_t)job->shape->in_c;
  int tile = job->plan.tile, points = job->plan.points;
  const float *src[4][MRW_WINOGRAD_MAX_POINTS];
  for (size_t k = 0; k < 4; k++) {
    if (k < count) {
      tile_sources(job, first + k, zero, src[k]);
    } else {
      for (int i = 0; i < points; i++) src[k][i] = zero;
    }
  }
  for (size_t c = 0; c < in_c; c += 4) {
    size_t width = in_c - c < 4 ? in_c - c : 4;
    v128_t x[MRW_WINOGRAD_MAX_POINTS][4];
    for (size_t k = 0; k < 4; k++) {
      v128_t d[MRW_WINOGRAD_MAX_POINTS], p[MRW_WINOGRAD_MAX_POINTS];
      for (int i = 0; i < points; i++) d[i] = mrw_load_f32_partial(src[k][i] + c, width);
      input_transform(tile, d, p);
      for (int e = 0; e < points; e++) x[e][k] = p[e];
    }
    for (int e = 0; e < points; e++) {
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

// Tile t's products m: [points][band][out_c] (row k of each point) -> its up to tile x tile
// output pixels, with bias, residual and ReLU, vectorized over output channels.
static void finish_tile(const wino_job *job, size_t t, const float *m) {
  const mrw_conv_shape *s = job->shape;
  const mrw_epilogue *e = job->epilogue;
  int tile = job->plan.tile, points = job->plan.points;
  size_t out_c = (size_t)s->out_c;
  size_t b = t / job->plan.tiles_per_image, r = t % job->plan.tiles_per_image;
  int oy = (int)(r / job->plan.tiles_x) * tile, ox = (int)(r % job->plan.tiles_x) * tile;
  int rows = s->in_h - oy < tile ? s->in_h - oy : tile;
  int cols = s->in_w - ox < tile ? s->in_w - ox : tile;
  size_t first_pixel = b * s->in_h * s->in_w + (size_t)oy * s->in_w + (size_t)ox;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (size_t co = 0; co < out_c; co += 4) {
    size_t width = out_c - co < 4 ? out_c - co : 4;
    v128_t point[MRW_WINOGRAD_MAX_POINTS], y[4 * 4];
    for (int p = 0; p < points; p++)
      point[p] = mrw_load_f32_partial(m + p * job->plan.m_floats + co, width);
    output_transform(tile, point, y);
    v128_t bias = e && e->bias ? mrw_load_f32_partial(e->bias + co, width) : zero;
    for (int i = 0; i < rows; i++)
      for (int j = 0; j < cols; j++) {
        size_t pixel = first_pixel + (size_t)i * s->in_w + (size_t)j;
        v128_t v = y[i * tile + j];
        if (e && e->bias) v = wasm_f32x4_add(v, bias);
        if (e && e->residual)
          v = wasm_f32x4_add(v, mrw_load_f32_partial(e->residual + pixel * e->ldr + co, width));
        if (e && e->relu) v = wasm_f32x4_max(v, zero);
        mrw_store_f32_partial(job->output + pixel * job->ldo + co, v, width);
      }
  }
}

// One band on one thread: transform its tiles, one single-threaded GEMM per point, transform
// back.
static void band_task(void *ctx, size_t index, int thread) {
  const wino_job *job = ctx;
  const band_plan *p = &job->plan;
  size_t in_c = (size_t)job->shape->in_c, out_c = (size_t)job->shape->out_c;
  float *v = job->workspace + (size_t)thread * p->per_thread;
  float *m = v + (size_t)p->points * p->v_floats;
  float *zero = m + (size_t)p->points * p->m_floats;
  memset(zero, 0, p->zero_floats * sizeof(float));
  size_t first = mrw_winograd_band_first(&p->split, index);
  size_t count = mrw_winograd_band_first(&p->split, index + 1) - first;
  for (size_t k = 0; k < count; k += 4)
    transform_group(job, first + k, count - k < 4 ? count - k : 4, zero, v + k * in_c);
  size_t per_point = mrw_gemm_packed_b_floats(in_c, out_c);
  for (size_t e = 0; e < (size_t)p->points; e++) {
    /* v is the GEMM's packed left operand already: read in place */
    mrw_gemm_a a = {.packed = v + e * p->v_floats};
    mrw_gemm(count, out_c, in_c, a, job->packed + e * per_point, NULL, m + e * p->m_floats, out_c,
             NULL, NULL);
  }
  for (size_t k = 0; k < count; k++) finish_tile(job, first + k, m + k * out_c);
}

static void run_job(wino_job *job, mrw_thread_pool *pool) {
  if (job->plan.tiles == 0) return;
  mrw_thread_pool_run(pool, job->plan.split.bands, band_task, job);
}

void mrw_winograd_conv2d(const mrw_conv_shape *s, int tile, const float *input,
                         const float *packed, const mrw_epilogue *epilogue, float *output,
                         float *workspace, mrw_thread_pool *pool) {
  mrw_winograd_conv2d_strided(s, tile, input, packed, epilogue, output, (size_t)s->out_c,
                              workspace, pool);
}

void mrw_winograd_conv2d_strided(const mrw_conv_shape *s, int tile, const float *input,
                                 const float *packed, const mrw_epilogue *epilogue, float *output,
                                 size_t ldo, float *workspace, mrw_thread_pool *pool) {
  wino_job job = {.shape = s, .plan = plan_bands(s, tile, mrw_thread_pool_size(pool)),
                  .row0 = 0, .image_h = s->in_h, .input = input, .packed = packed,
                  .epilogue = epilogue, .output = output, .ldo = ldo, .workspace = workspace};
  run_job(&job, pool);
}

mrw_conv_shape mrw_winograd_window_shape(const mrw_conv_shape *s, int rows) {
  mrw_conv_shape window = *s;
  window.in_h = rows;
  window.batch = 1;
  return window;
}

void mrw_winograd_conv2d_rows(const mrw_conv_shape *s, int tile, const float *input, int row0,
                              int rows, const float *packed, const mrw_epilogue *epilogue,
                              float *output, float *workspace, mrw_thread_pool *pool) {
  mrw_conv_shape window = mrw_winograd_window_shape(s, rows);
  wino_job job = {.shape = &window, .plan = plan_bands(&window, tile, mrw_thread_pool_size(pool)),
                  .row0 = row0, .image_h = s->in_h, .input = input, .packed = packed,
                  .epilogue = epilogue, .output = output, .ldo = (size_t)s->out_c,
                  .workspace = workspace};
  run_job(&job, pool);
}
