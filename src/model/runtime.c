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
  mrw_runtime_release_scratch(rt);
  memset(rt, 0, sizeof *rt);
}

float *mrw_runtime_scratch(mrw_runtime *rt, size_t floats, mrw_error *err) {
  if (floats <= rt->scratch_floats) return rt->scratch;
  /* Free first: the old contents are not needed, and the peak stays one buffer. */
  free(rt->scratch);
  rt->scratch_floats = 0;
  rt->scratch = malloc(floats * sizeof(float));
  if (!rt->scratch) {
    mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for %zu floats of scratch", floats);
    return NULL;
  }
  rt->scratch_floats = floats;
  return rt->scratch;
}

void mrw_runtime_release_scratch(mrw_runtime *rt) {
  free(rt->scratch);
  rt->scratch = NULL;
  rt->scratch_floats = 0;
}
