#include "kernels/conv2d.h"

// One image of the batch; first_pixel is its first output pixel's index in the batch.
static void conv2d_ref_image(const mrw_conv_shape *s, const float *input, const float *weights,
                             const mrw_epilogue *epilogue, size_t first_pixel, float *output) {
  int out_h = mrw_conv_out_h(s), out_w = mrw_conv_out_w(s);
  for (int oy = 0; oy < out_h; oy++) {
    for (int ox = 0; ox < out_w; ox++) {
      size_t pixel = first_pixel + (size_t)oy * out_w + ox;
      for (int co = 0; co < s->out_c; co++) {
        float sum = (epilogue && epilogue->bias) ? epilogue->bias[co] : 0.0f;
        for (int ky = 0; ky < s->kernel_h; ky++) {
          int iy = oy * s->stride - s->pad + ky;
          if (iy < 0 || iy >= s->in_h) continue;
          for (int kx = 0; kx < s->kernel_w; kx++) {
            int ix = ox * s->stride - s->pad + kx;
            if (ix < 0 || ix >= s->in_w) continue;
            const float *x = input + ((size_t)iy * s->in_w + ix) * s->in_c;
            for (int ci = 0; ci < s->in_c; ci++)
              sum += x[ci] * weights[(((size_t)co * s->in_c + ci) * s->kernel_h + ky) * s->kernel_w + kx];
          }
        }
        if (epilogue && epilogue->residual) sum += epilogue->residual[pixel * epilogue->ldr + co];
        if (epilogue && epilogue->relu && sum < 0.0f) sum = 0.0f;
        output[pixel * s->out_c + co] = sum;
      }
    }
  }
}

// Scalar reference. input: [batch][in_h][in_w][in_c], weights: [out_c][in_c][kh][kw] (torch),
// output: [batch][out_h][out_w][out_c]. Sums bias first, then (ky, kx, ci) ascending, like
// the GEMM.
void mrw_conv2d_ref(const mrw_conv_shape *s, const float *input, const float *weights,
                    const mrw_epilogue *epilogue, float *output) {
  int out_h = mrw_conv_out_h(s), out_w = mrw_conv_out_w(s);
  for (int n = 0; n < mrw_conv_batch(s); n++) {
    const float *image = input + (size_t)n * s->in_h * s->in_w * s->in_c;
    conv2d_ref_image(s, image, weights, epilogue, (size_t)n * out_h * out_w, output);
  }
}
