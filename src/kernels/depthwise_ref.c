#include "kernels/depthwise.h"

// Scalar reference of mrw_depthwise_conv2d. input: [in_h, in_w, C] channels-last;
// packed: [k * k, C]; output: [out_h, out_w, C]. Channel by channel, bias first, then the
// taps inside the image in (ky, kx) order.
void mrw_depthwise_conv2d_ref(const mrw_depthwise_shape *s, const float *input,
                              const float *packed, const float *bias, mrw_activation activation,
                              float *output) {
  int out_h = mrw_depthwise_out_h(s), out_w = mrw_depthwise_out_w(s), c = s->channels;
  for (int oy = 0; oy < out_h; oy++)
    for (int ox = 0; ox < out_w; ox++)
      for (int ch = 0; ch < c; ch++) {
        float acc = bias[ch];
        for (int ky = 0; ky < s->kernel; ky++) {
          int iy = oy * s->stride - s->pad + ky;
          if (iy < 0 || iy >= s->in_h) continue;
          for (int kx = 0; kx < s->kernel; kx++) {
            int ix = ox * s->stride - s->pad + kx;
            if (ix < 0 || ix >= s->in_w) continue;
            acc += input[((size_t)iy * s->in_w + ix) * c + ch] *
                   packed[((size_t)ky * s->kernel + kx) * c + ch];
          }
        }
        output[((size_t)oy * out_w + ox) * c + ch] = mrw_activate(activation, acc);
      }
}
