#include "kernels/conv2d.h"

// Scalar reference. input: [in_h][in_w][in_c], weights: [out_c][in_c][kh][kw] (torch),
// output: [out_h][out_w][out_c]. Sums bias first, then (ky, kx, ci) ascending, like the GEMM.
void mrw_conv2d_ref(const mrw_conv_shape *s, const float *input, const float *weights,
                    const mrw_epilogue *epilogue, float *output) {
  int out_h = mrw_conv_out_h(s), out_w = mrw_conv_out_w(s);
  for (int oy = 0; oy < out_h; oy++) {
    for (int ox = 0; ox < out_w; ox++) {
      size_t pixel = (size_t)oy * out_w + ox;
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
