#include "model/runtime.h"

#include <stdlib.h>
#include <string.h>

#include "kernels/gemm.h"

mrw_status mrw_runtime_init(mrw_runtime *rt, int threads, mrw_error *err) {
  memset(rt, 0, sizeof *rt);
  mrw_status s = mrw_thread_pool_create(threads, &rt->pool, err);
  if (s != MRW_OK) return s;
  size_t floats = mrw_gemm_workspace_floats(mrw_thread_pool_size(rt->pool));
  rt->gemm_workspace = malloc(floats * sizeof(float));
  if (!rt->gemm_workspace) {
    mrw_runtime_free(rt);
    return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for GEMM scratch");
  }
  return MRW_OK;
}

void mrw_runtime_free(mrw_runtime *rt) {
  if (!rt) return;
  mrw_thread_pool_free(rt->pool);
  free(rt->gemm_workspace);
  memset(rt, 0, sizeof *rt);
}
