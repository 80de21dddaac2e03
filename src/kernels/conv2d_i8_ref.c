#include <stdlib.h>

#include "kernels/conv2d_i8.h"
#include "kernels/gemm_i8.h"

/* The reference gathers the whole im2col matrix at once, in plain loops, and uses the integer
 * GEMM's references. */
void mrw_conv2d_i8_ref(const mrw_conv_shape *s, const float *input, const int8_t *weights,
                       const float *col_scales, const mrw_epilogue *epilogue, float *output) {
  size_t depth = mrw_conv2d_i8_depth(s), ldq = mrw_gemm_i8_depth(depth);
  size_t out_h = (size_t)mrw_conv_out_h(s), out_w = (size_t)mrw_conv_out_w(s);
  size_t rows = (size_t)mrw_conv_batch(s) * out_h * out_w, in_c = (size_t)s->in_c;
  size_t taps = (size_t)s->kernel_h * s->kernel_w, out_c = (size_t)s->out_c;
  float *x = calloc(rows * depth + 1, sizeof(float));
  int16_t *q = malloc((rows * ldq + 1) * sizeof(int16_t));
  float *scales = malloc((rows + 1) * sizeof(float));
  int8_t *w = malloc(out_c * depth + 1);
  if (!x || !q || !scales || !w) abort(); /* a test helper's allocation */
  for (size_t pixel = 0; pixel < rows; pixel++) {
    size_t n = pixel / (out_h * out_w), r = pixel % (out_h * out_w);
    long oy = (long)(r / out_w), ox = (long)(r % out_w);
    for (size_t t = 0; t < taps; t++) {
      long iy = oy * s->stride - s->pad + (long)(t / (size_t)s->kernel_w);
      long ix = ox * s->stride - s->pad + (long)(t % (size_t)s->kernel_w);
      if (iy < 0 || iy >= s->in_h || ix < 0 || ix >= s->in_w) continue;
      for (size_t ci = 0; ci < in_c; ci++)
        x[pixel * depth + t * in_c + ci] =
            input[((n * (size_t)s->in_h + (size_t)iy) * (size_t)s->in_w + (size_t)ix) * in_c + ci];
    }
  }
  for (size_t co = 0; co < out_c; co++)
    for (size_t t = 0; t < taps; t++)
      for (size_t ci = 0; ci < in_c; ci++)
        w[co * depth + t * in_c + ci] = weights[(co * in_c + ci) * taps + t];
  mrw_quantize_rows_ref(x, rows, depth, depth, q, ldq, scales);
  mrw_gemm_i8_ref(rows, out_c, depth, q, ldq, scales, w, depth, col_scales, epilogue, output,
                  out_c);
  free(x);
  free(q);
  free(scales);
  free(w);
}
