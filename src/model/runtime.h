#ifndef MRW_MODEL_RUNTIME_H
#define MRW_MODEL_RUNTIME_H

#include "base/status.h"
#include "base/thread_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a forward pass runs on: the thread pool and the GEMM's per-thread scratch. */
typedef struct mrw_runtime {
  mrw_thread_pool *pool;
  float *gemm_workspace;
} mrw_runtime;

mrw_status mrw_runtime_init(mrw_runtime *rt, int threads, mrw_error *err);
void mrw_runtime_free(mrw_runtime *rt); /* a zeroed runtime is a no-op */

#ifdef __cplusplus
}
#endif

#endif
