#ifndef MRW_BASE_THREAD_POOL_H
#define MRW_BASE_THREAD_POOL_H

#include <stddef.h>

#include "base/status.h"

/* A fixed set of pthreads that run the indices of one parallel loop at a time. The calling
 * thread takes part, so a pool of n threads starts n - 1 workers. The same code serves the
 * native build and the WebAssembly builds; where threads cannot start (a WebAssembly build
 * without pthreads), the pool keeps the threads it got, down to the caller alone. */
typedef struct mrw_thread_pool mrw_thread_pool;

/* fn(ctx, index, thread) is called once for every index in [0, count); thread is in
 * [0, pool size) and names the thread running the call, for per-thread scratch memory. */
typedef void (*mrw_task_fn)(void *ctx, size_t index, int thread);

mrw_status mrw_thread_pool_create(int threads, mrw_thread_pool **out, mrw_error *err);
void mrw_thread_pool_free(mrw_thread_pool *pool);

/* The number of threads that run tasks (1 for a NULL pool). */
int mrw_thread_pool_size(const mrw_thread_pool *pool);

/* Runs fn over [0, count) and returns when every call has returned. A NULL pool runs the
 * loop on the calling thread. Not reentrant: fn must not call mrw_thread_pool_run. */
void mrw_thread_pool_run(mrw_thread_pool *pool, size_t count, mrw_task_fn fn, void *ctx);

#endif
