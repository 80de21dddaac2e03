#include "kernels/resize.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "simd/simd.h"

int mrw_scaled_size(int in, double scale) { return (int)floor((double)in * scale); }

static int nearest_source(int dst, int in, int out) {
  float scale = (float)in / (float)out;
  int src = (int)floorf((float)dst * scale);
  return src < in - 1 ? src : in - 1;
}

typedef struct nearest_job {
  const float *input;
  int in_h, in_w, c, out_h, out_w;
  float *output;
  int accumulate;
} nearest_job;

// One output row: copies (or adds) whole channel vectors of the source pixels.
static void upsample_nearest_row(void *ctx, size_t oy, int thread) {
  (void)thread;
  const nearest_job *j = ctx;
  int iy = nearest_source((int)oy, j->in_h, j->out_h);
  for (int ox = 0; ox < j->out_w; ox++) {
    int ix = nearest_source(ox, j->in_w, j->out_w);
    float *dst = j->output + ((size_t)oy * j->out_w + ox) * j->c;
    const float *src = j->input + ((size_t)iy * j->in_w + ix) * j->c;
    if (!j->accumulate) {
      memcpy(dst, src, (size_t)j->c * sizeof(float));
      continue;
    }
    int ch = 0;
    for (; ch + 4 <= j->c; ch += 4)
      wasm_v128_store(dst + ch, wasm_f32x4_add(wasm_v128_load(dst + ch), wasm_v128_load(src + ch)));
    for (; ch < j->c; ch++) dst[ch] += src[ch];
  }
}

void mrw_upsample_nearest(const float *input, int in_h, int in_w, int c, float *output,
                          int out_h, int out_w, mrw_thread_pool *pool) {
  nearest_job job = {input, in_h, in_w, c, out_h, out_w, output, 0};
  mrw_thread_pool_run(pool, (size_t)out_h, upsample_nearest_row, &job);
}

void mrw_upsample_nearest_add(const float *input, int in_h, int in_w, int c, float *output,
                              int out_h, int out_w, mrw_thread_pool *pool) {
  nearest_job job = {input, in_h, in_w, c, out_h, out_w, output, 1};
  mrw_thread_pool_run(pool, (size_t)out_h, upsample_nearest_row, &job);
}

// Scalar reference of both: output = (accumulate ? output : 0) + upsample(input).
static void upsample_nearest_ref(const float *input, int in_h, int in_w, int c, float *output,
                                 int out_h, int out_w, int accumulate) {
  for (int oy = 0; oy < out_h; oy++)
    for (int ox = 0; ox < out_w; ox++)
      for (int ch = 0; ch < c; ch++) {
        int iy = nearest_source(oy, in_h, out_h), ix = nearest_source(ox, in_w, out_w);
        float *dst = output + ((size_t)oy * out_w + ox) * c + ch;
        float value = input[((size_t)iy * in_w + ix) * c + ch];
        *dst = accumulate ? *dst + value : value;
      }
}

void mrw_upsample_nearest_ref(const float *input, int in_h, int in_w, int c, float *output,
                              int out_h, int out_w) {
  upsample_nearest_ref(input, in_h, in_w, c, output, out_h, out_w, 0);
}

void mrw_upsample_nearest_add_ref(const float *input, int in_h, int in_w, int c, float *output,
                                  int out_h, int out_w) {
  upsample_nearest_ref(input, in_h, in_w, c, output, out_h, out_w, 1);
}

/* One axis of the bilinear sampling: the two source indices and their weights. */
typedef struct linear_tap {
  int i0, i1;
  float w0, w1;
} linear_tap;

/* The scale is a float (in / out) but the source position is computed in double: matched
 * against torch's CPU kernel on many sizes, where a float position is off by up to 4e-5. */
static linear_tap linear_tap_at(int dst, int in, int out) {
  float scale = (float)in / (float)out;
  double real = (double)scale * ((double)dst + 0.5) - 0.5;
  if (real < 0.0) real = 0.0;
  int i0 = (int)real;
  float lambda = (float)(real - (double)i0);
  if (lambda < 0.0f) lambda = 0.0f;
  if (lambda > 1.0f) lambda = 1.0f;
  linear_tap t = {i0, i0 < in - 1 ? i0 + 1 : i0, 1.0f - lambda, lambda};
  return t;
}

typedef struct bilinear_job {
  const float *input;
  int in_h, in_w, c, out_h, out_w;
  int y0, x0, x1; /* the window of the output computed, rows from y0 */
  float *output;  /* [window rows][x1 - x0][c] */
} bilinear_job;

// One output row of the window; SIMD over channels. Rounding follows torch's separable
// evaluation: out = (x00*w0 + x01*w1)*h0 + (x10*w0 + x11*w1)*h1, left to right.
static void resize_bilinear_row(void *ctx, size_t row, int thread) {
  (void)thread;
  const bilinear_job *j = ctx;
  int oy = j->y0 + (int)row;
  linear_tap ty = linear_tap_at(oy, j->in_h, j->out_h);
  const float *row0 = j->input + (size_t)ty.i0 * j->in_w * j->c;
  const float *row1 = j->input + (size_t)ty.i1 * j->in_w * j->c;
  v128_t h0 = wasm_f32x4_splat(ty.w0), h1 = wasm_f32x4_splat(ty.w1);
  for (int ox = j->x0; ox < j->x1; ox++) {
    linear_tap tx = linear_tap_at(ox, j->in_w, j->out_w);
    const float *x00 = row0 + (size_t)tx.i0 * j->c, *x01 = row0 + (size_t)tx.i1 * j->c;
    const float *x10 = row1 + (size_t)tx.i0 * j->c, *x11 = row1 + (size_t)tx.i1 * j->c;
    float *out = j->output + ((size_t)row * (j->x1 - j->x0) + (ox - j->x0)) * j->c;
    v128_t w0 = wasm_f32x4_splat(tx.w0), w1 = wasm_f32x4_splat(tx.w1);
    int ch = 0;
    for (; ch + 4 <= j->c; ch += 4) {
      v128_t top = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(x00 + ch), w0),
                                  wasm_f32x4_mul(wasm_v128_load(x01 + ch), w1));
      v128_t bottom = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(x10 + ch), w0),
                                     wasm_f32x4_mul(wasm_v128_load(x11 + ch), w1));
      wasm_v128_store(out + ch, wasm_f32x4_add(wasm_f32x4_mul(top, h0), wasm_f32x4_mul(bottom, h1)));
    }
    for (; ch < j->c; ch++) {
      float top = x00[ch] * tx.w0 + x01[ch] * tx.w1;
      float bottom = x10[ch] * tx.w0 + x11[ch] * tx.w1;
      out[ch] = top * ty.w0 + bottom * ty.w1;
    }
  }
}

void mrw_resize_bilinear_window(const float *input, int in_h, int in_w, int c, int out_h,
                                int out_w, int y0, int y1, int x0, int x1, float *output,
                                mrw_thread_pool *pool) {
  if (y1 <= y0 || x1 <= x0) return;
  bilinear_job job = {input, in_h, in_w, c, out_h, out_w, y0, x0, x1, output};
  mrw_thread_pool_run(pool, (size_t)(y1 - y0), resize_bilinear_row, &job);
}

void mrw_resize_bilinear(const float *input, int in_h, int in_w, int c, float *output,
                         int out_h, int out_w, mrw_thread_pool *pool) {
  mrw_resize_bilinear_window(input, in_h, in_w, c, out_h, out_w, 0, out_h, 0, out_w, output, pool);
}

void mrw_resize_bilinear_ref(const float *input, int in_h, int in_w, int c, float *output,
                             int out_h, int out_w) {
  for (int oy = 0; oy < out_h; oy++) {
    linear_tap ty = linear_tap_at(oy, in_h, out_h);
    for (int ox = 0; ox < out_w; ox++) {
      linear_tap tx = linear_tap_at(ox, in_w, out_w);
      for (int ch = 0; ch < c; ch++) {
#define AT(y, x) input[((size_t)(y) * in_w + (x)) * c + ch]
        float top = AT(ty.i0, tx.i0) * tx.w0 + AT(ty.i0, tx.i1) * tx.w1;
        float bottom = AT(ty.i1, tx.i0) * tx.w0 + AT(ty.i1, tx.i1) * tx.w1;
#undef AT
        output[((size_t)oy * out_w + ox) * c + ch] = top * ty.w0 + bottom * ty.w1;
      }
    }
  }
}
