#include <stdlib.h>

#include "kernels/gemm_i8.h"
#include "kernels/winograd_i8.h"

/* The scalar reference of the int8 Winograd convolution is the direct convolution of the same
 * quantized values: the integer transforms make the two equal, which the tests hold. */

int mrw_winograd_i8_applies(const mrw_conv_shape *s) {
  return s->kernel_h == 3 && s->kernel_w == 3 && s->stride == 1 && s->pad == 1 &&
         s->in_c <= MRW_WINOGRAD_I8_MAX_IN_C;
}

// g: [3][3] -> u: [4][4] = (2G) g (2G)^T, rows first, then columns; integers, exact.
void mrw_winograd_i8_kernel_transform(const int8_t *g, int16_t *u) {
  int t[4][3];
  for (int j = 0; j < 3; j++) {
    t[0][j] = 2 * g[j];
    t[1][j] = g[j] + g[3 + j] + g[6 + j];
    t[2][j] = g[j] - g[3 + j] + g[6 + j];
    t[3][j] = 2 * g[6 + j];
  }
  for (int i = 0; i < 4; i++) {
    u[i * 4 + 0] = (int16_t)(2 * t[i][0]);
    u[i * 4 + 1] = (int16_t)(t[i][0] + t[i][1] + t[i][2]);
    u[i * 4 + 2] = (int16_t)(t[i][0] - t[i][1] + t[i][2]);
    u[i * 4 + 3] = (int16_t)(2 * t[i][2]);
  }
}

void mrw_winograd_i8_conv2d_ref(const mrw_conv_shape *s, const float *input,
                                const int8_t *weights, const float *col_scales,
                                const mrw_epilogue *epilogue, float *output) {
  size_t h = (size_t)s->in_h, w = (size_t)s->in_w, in_c = (size_t)s->in_c;
  size_t out_c = (size_t)s->out_c, row = 16 * in_c;
  float *patch = malloc(row * sizeof(float));
  int16_t *q = malloc(row * sizeof(int16_t));
  if (!patch || !q) abort(); /* a test helper's allocation */
  for (size_t n = 0; n < (size_t)mrw_conv_batch(s); n++)
    for (size_t ty = 0; ty < (h + 1) / 2; ty++)
      for (size_t tx = 0; tx < (w + 1) / 2; tx++) {
        /* the tile's 4x4 input patch (zeros outside the image), quantized as one row */
        for (size_t i = 0; i < 16; i++) {
          long y = (long)(2 * ty + i / 4) - 1, x = (long)(2 * tx + i % 4) - 1;
          int inside = y >= 0 && x >= 0 && y < (long)h && x < (long)w;
          for (size_t ci = 0; ci < in_c; ci++)
            patch[i * in_c + ci] =
                inside ? input[((n * h + (size_t)y) * w + (size_t)x) * in_c + ci] : 0.0f;
        }
        float scale;
        mrw_quantize_rows_ref(patch, 1, row, row, q, row, &scale);
        for (size_t dy = 0; dy < 2 && 2 * ty + dy < h; dy++)
          for (size_t dx = 0; dx < 2 && 2 * tx + dx < w; dx++) {
            size_t pixel = (n * h + 2 * ty + dy) * w + 2 * tx + dx;
            for (size_t co = 0; co < out_c; co++) {
              int32_t acc = 0;
              for (size_t ky = 0; ky < 3; ky++)
                for (size_t kx = 0; kx < 3; kx++) {
                  const int16_t *src = q + ((dy + ky) * 4 + dx + kx) * in_c;
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
