#ifndef MRW_KERNELS_CONV2D_H
#define MRW_KERNELS_CONV2D_H

#include <stddef.h>

#include "base/thread_pool.h"
#include "kernels/gemm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A 2-D convolution over a batch of channels-last images, square stride, symmetric zero
 * padding. batch 0 counts as 1, so a shape written without it means one image. */
typedef struct mrw_conv_shape {
  int in_h, in_w, in_c;
  int out_c;
  int kernel_h, kernel_w;
  int stride;
  int pad;
  int batch;
} mrw_conv_shape;

int mrw_conv_out_h(const mrw_conv_shape *s);
int mrw_conv_out_w(const mrw_conv_shape *s);
int mrw_conv_batch(const mrw_conv_shape *s);

/* Packs torch-layout weights [out_c][in_c][kh][kw] into the GEMM's right operand, whose depth
 * index is (ky * kw + kx) * in_c + ci. packed holds mrw_conv_packed_floats(s) floats. */
size_t mrw_conv_packed_floats(const mrw_conv_shape *s);
void mrw_conv_pack_weights(const mrw_conv_shape *s, const float *weights, float *packed);

/* input: [batch][in_h][in_w][in_c]; output: [batch][out_h][out_w][out_c]; the residual, if
 * any, has the output's layout (ldr = out_c). workspace: mrw_gemm_workspace_floats. */
void mrw_conv2d(const mrw_conv_shape *s, const float *input, const float *packed_weights,
                const mrw_epilogue *epilogue, float *output, float *workspace,
                mrw_thread_pool *pool);

/* Scalar reference over the torch-layout weights. */
void mrw_conv2d_ref(const mrw_conv_shape *s, const float *input, const float *weights,
                    const mrw_epilogue *epilogue, float *output);

#ifdef __cplusplus
}
#endif

#endif
