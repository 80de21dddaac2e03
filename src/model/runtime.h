#ifndef MRW_MODEL_RUNTIME_H
#define MRW_MODEL_RUNTIME_H

#include "base/status.h"
#include "base/thread_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a forward pass runs on: the thread pool, the GEMM's per-thread scratch, and a larger
 * scratch that grows to the most any call has asked for (the Winograd convolutions' bands). */
typedef struct mrw_runtime {
  mrw_thread_pool *pool;
  float *gemm_workspace;
  float *scratch;
  size_t scratch_floats;
} mrw_runtime;

mrw_status mrw_runtime_init(mrw_runtime *rt, int threads, mrw_error *err);
void mrw_runtime_free(mrw_runtime *rt); /* a zeroed runtime is a no-op */

/* At least `floats` floats of scratch, valid until the next call; NULL (and err) when out of
 * memory. */
float *mrw_runtime_scratch(mrw_runtime *rt, size_t floats, mrw_error *err);

/* Frees the scratch, for the end of a stage of a pass. A scratch kept from one pass to the
 * next would sit where it grew, high in the middle of the pass's maps, and split the free
 * memory the next pass's maps are placed in: each pass starts from the same free memory
 * instead, and the allocator places its maps as it did before. Within a pass, a stage's
 * scratch is not held through the stages after it. */
void mrw_runtime_release_scratch(mrw_runtime *rt);

#ifdef __cplusplus
}
#endif

#endif
