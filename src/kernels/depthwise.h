#ifndef MRW_KERNELS_DEPTHWISE_H
#define MRW_KERNELS_DEPTHWISE_H

#include <stddef.h>

#include "base/thread_pool.h"
#include "kernels/activation.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A depthwise convolution (groups = channels, one kxk filter per channel) over one
 * channels-last image: square kernel and stride, symmetric zero padding. */
typedef struct mrw_depthwise_shape {
  int in_h, in_w, channels;
  int kernel, stride, pad;
} mrw_depthwise_shape;

int mrw_depthwise_out_h(const mrw_depthwise_shape *s);
int mrw_depthwise_out_w(const mrw_depthwise_shape *s);

/* torch weights [channels][1][k][k] -> packed [k * k][channels] (tap-major, channels-last). */
void mrw_depthwise_pack_weights(int channels, int kernel, const float *weights, float *packed);

/* input: [in_h, in_w, channels] channels-last; packed: [k * k, channels]; bias: [channels];
 * output: [out_h, out_w, channels] = activation(bias + sum over taps (ky, kx) ascending).
 * Every channel is summed in the same order as the reference, so the two agree exactly. */
void mrw_depthwise_conv2d(const mrw_depthwise_shape *s, const float *input, const float *packed,
                          const float *bias, mrw_activation activation, float *output,
                          mrw_thread_pool *pool);
void mrw_depthwise_conv2d_ref(const mrw_depthwise_shape *s, const float *input,
                              const float *packed, const float *bias, mrw_activation activation,
                              float *output);

#ifdef __cplusplus
}
#endif

#endif
