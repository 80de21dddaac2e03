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
  size_t out_c = (size_t)s->out_c, image = h * w * in_c;
  int16_t *q = malloc((image ? image : 1) * sizeof(int16_t));
  if (!q) abort(); /* a test helper's allocation */
  for (size_t n = 0; n < (size_t)mrw_conv_batch(s); n++) {
    float scale;
    mrw_quantize_rows_ref(input + n * image, 1, image, image, q, image, &scale);
    for (size_t y = 0; y < h; y++)
      for (size_t x = 0; x < w; x++) {
        size_t pixel = (n * h + y) * w + x;
        for (size_t co = 0; co < out_c; co++) {
          int32_t acc = 0;
          for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
              long sy = (long)y + ky - 1, sx = (long)x + kx - 1;
              if (sy < 0 || sx < 0 || sy >= (long)h || sx >= (long)w) continue;
              const int16_t *src = q + ((size_t)sy * w + (size_t)sx) * in_c;
              const int8_t *g = weights + co * in_c * 9 + (size_t)(ky * 3 + kx);
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
  free(q);
}
