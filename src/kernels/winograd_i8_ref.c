#include <stdlib.h>

#include "kernels/gemm_i8.h"
#include "kernels/winograd_i8.h"

/* The scalar reference of the int8 Winograd convolution is the direct convolution of the same
 * quantized values: the integer transforms make the two equal, which the tests hold. */

int mrw_winograd_i8_applies(const mrw_conv_shape *s) {
  return s->kernel_h == 3 && s->kernel_w == 3 && s->stride == 1 && s->pad == 1 &&
         s->in_c <= MRW_WINOGRAD_I8_MAX_IN_C;
}

/* 127 * sum |w| < 2^25 for every output channel (see the header). */
#define TILE4_MAX_WEIGHT_SUM (((1L << 25) - 1) / 127)

int mrw_winograd_i8_tile4_exact(const mrw_conv_shape *s, const int8_t *weights) {
  size_t taps = (size_t)s->in_c * 9;
  for (size_t co = 0; co < (size_t)s->out_c; co++) {
    long sum = 0;
    for (size_t i = 0; i < taps; i++) sum += labs((long)weights[co * taps + i]);
    if (sum > TILE4_MAX_WEIGHT_SUM) return 0;
  }
  return 1;
}

// DG for tile 2 (3 -> 4): 2G, rows [2 0 0; 1 1 1; 1 -1 1; 0 0 2].
static void dg_2(const int *x, int xs, int *o, int os) {
  int a = x[0], b = x[xs], c = x[2 * xs];
  o[0] = 2 * a;
  o[os] = a + b + c;
  o[2 * os] = a - b + c;
  o[3 * os] = 2 * c;
}

// DG for tile 4 (3 -> 6): rows [6 0 0; -4 -4 -4; -4 4 -4; 1 2 4; 1 -2 4; 0 0 6].
static void dg_4(const int *x, int xs, int *o, int os) {
  int a = x[0], b = x[xs], c = x[2 * xs];
  o[0] = 6 * a;
  o[os] = -4 * (a + b + c);
  o[2 * os] = -4 * (a - b + c);
  o[3 * os] = a + 2 * b + 4 * c;
  o[4 * os] = a - 2 * b + 4 * c;
  o[5 * os] = 6 * c;
}

// g: [3][3] -> u = (DG) g (DG)^T: down each column, then along each row; integers, exact.
void mrw_winograd_i8_kernel_transform(int tile, const int8_t *g, int16_t *u) {
  void (*dg)(const int *, int, int *, int) = tile == 4 ? dg_4 : dg_2;
  int n = tile + 2, in[9], t[6 * 3], out[6 * 6];
  for (int i = 0; i < 9; i++) in[i] = g[i];
  for (int j = 0; j < 3; j++) dg(in + j, 3, t + j, 3);
  for (int i = 0; i < n; i++) dg(t + i * 3, 1, out + i * n, 1);
  for (int i = 0; i < n * n; i++) u[i] = (int16_t)out[i];
}

void mrw_winograd_i8_conv2d_ref(const mrw_conv_shape *s, int tile, const float *input,
                                const int8_t *weights, const float *col_scales,
                                const mrw_epilogue *epilogue, float *output) {
  size_t h = (size_t)s->in_h, w = (size_t)s->in_w, in_c = (size_t)s->in_c;
  size_t out_c = (size_t)s->out_c, m = (size_t)tile, n = m + 2, row = n * n * in_c;
  float *patch = malloc(row * sizeof(float));
  int16_t *q = malloc(row * sizeof(int16_t));
  if (!patch || !q) abort(); /* a test helper's allocation */
  for (size_t b = 0; b < (size_t)mrw_conv_batch(s); b++)
    for (size_t ty = 0; ty < (h + m - 1) / m; ty++)
      for (size_t tx = 0; tx < (w + m - 1) / m; tx++) {
        /* the tile's input patch (zeros outside the image), quantized as one row */
        for (size_t i = 0; i < n * n; i++) {
          long y = (long)(m * ty + i / n) - 1, x = (long)(m * tx + i % n) - 1;
          int inside = y >= 0 && x >= 0 && y < (long)h && x < (long)w;
          for (size_t ci = 0; ci < in_c; ci++)
            patch[i * in_c + ci] =
                inside ? input[((b * h + (size_t)y) * w + (size_t)x) * in_c + ci] : 0.0f;
        }
        float scale;
        mrw_quantize_rows_ref(patch, 1, row, row, q, row, &scale);
        for (size_t dy = 0; dy < m && m * ty + dy < h; dy++)
          for (size_t dx = 0; dx < m && m * tx + dx < w; dx++) {
            size_t pixel = (b * h + m * ty + dy) * w + m * tx + dx;
            for (size_t co = 0; co < out_c; co++) {
              int32_t acc = 0;
              for (size_t ky = 0; ky < 3; ky++)
                for (size_t kx = 0; kx < 3; kx++) {
                  const int16_t *src = q + ((dy + ky) * n + dx + kx) * in_c;
                  const int8_t *g = weights + co * in_c * 9 + ky * 3 + kx;
                  for (size_t ci = 0; ci < in_c; ci++) acc += (int32_t)src[ci] * g[ci * 9];
                }
              float v = (float)acc * (scale * col_scales[co]);
              if (epilogue && epilogue->bias) v += epilogue->bias[co];
              if (epilogue && epilogue->residual) v += epilogue->residual[pixel * epilogue->ldr + co];
              if (epilogue && epilogue->relu && v < 0.0f) v = 0.0f;
              output[pixel * out_c + co] = v;
            }
          }
      }
  free(patch);
  free(q);
}
