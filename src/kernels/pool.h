#ifndef MRW_KERNELS_POOL_H
#define MRW_KERNELS_POOL_H

#include "base/thread_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Output side of a max-pool: floor((in + 2 * pad - kernel) / stride) + 1. */
int mrw_max_pool_out(int in, int kernel, int stride, int pad);

/* Max-pool over a channels-last image, square kernel and stride, padding that never wins
 * (torch's -inf padding). input: [in_h][in_w][c]; output: [out_h][out_w][c]. */
void mrw_max_pool(const float *input, int in_h, int in_w, int c, int kernel, int stride, int pad,
                  float *output, mrw_thread_pool *pool);
void mrw_max_pool_ref(const float *input, int in_h, int in_w, int c, int kernel, int stride,
                      int pad, float *output);

#ifdef __cplusplus
}
#endif

#endif
