#include "base/thread_pool.h"

#include "maskrcnn_wasm.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

typedef struct worker_arg {
  mrw_thread_pool *pool;
  int thread;
} worker_arg;

/* A loop is handed over by bumping generation and taken back when busy_workers reaches zero.
 * Both sides first poll for a while (a model runs hundreds of short loops a frame, and waking a
 * sleeping thread costs more than many of them take: in browsers tens of microseconds), then
 * sleep on a condition variable; the mutex orders the sleeping path so no wake-up is lost. */
#define SPIN_POLLS 20000

struct mrw_thread_pool {
  pthread_mutex_t mutex;
  pthread_cond_t work_ready;
  pthread_cond_t work_done;
  pthread_t workers[MRW_MAX_THREADS];
  worker_arg args[MRW_MAX_THREADS];
  int worker_count;
  /* The current loop: fn, ctx and count are written before generation is bumped (release)
   * and read after it is seen (acquire). */
  atomic_ulong generation;
  atomic_int shutting_down;
  mrw_task_fn fn;
  void *ctx;
  size_t count;
  atomic_size_t next_index;
  atomic_int busy_workers;
};

/* Takes indices from the shared counter until the loop is exhausted. */
static void run_indices(mrw_thread_pool *pool, int thread) {
  for (;;) {
    size_t i = atomic_fetch_add_explicit(&pool->next_index, 1, memory_order_relaxed);
    if (i >= pool->count) return;
    pool->fn(pool->ctx, i, thread);
  }
}

/* The generation after `seen`, or `seen` once the pool shuts down: polls, then sleeps. */
static unsigned long wait_for_work(mrw_thread_pool *pool, unsigned long seen) {
  for (int i = 0; i < SPIN_POLLS; i++) {
    if (atomic_load_explicit(&pool->shutting_down, memory_order_acquire)) return seen;
    unsigned long g = atomic_load_explicit(&pool->generation, memory_order_acquire);
    if (g != seen) return g;
  }
  pthread_mutex_lock(&pool->mutex);
  unsigned long g = seen;
  while (!atomic_load_explicit(&pool->shutting_down, memory_order_acquire) &&
         (g = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen)
    pthread_cond_wait(&pool->work_ready, &pool->mutex);
  pthread_mutex_unlock(&pool->mutex);
  return atomic_load_explicit(&pool->shutting_down, memory_order_acquire) ? seen : g;
}

static void *worker_main(void *p) {
  worker_arg *arg = p;
  mrw_thread_pool *pool = arg->pool;
  unsigned long seen = 0;
  for (;;) {
    unsigned long g = wait_for_work(pool, seen);
    if (g == seen) break; /* shutting down */
    seen = g;
    run_indices(pool, arg->thread);
    if (atomic_fetch_sub_explicit(&pool->busy_workers, 1, memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&pool->mutex);
      pthread_cond_signal(&pool->work_done);
      pthread_mutex_unlock(&pool->mutex);
    }
  }
  return NULL;
}

mrw_status mrw_thread_pool_create(int threads, mrw_thread_pool **out, mrw_error *err) {
  if (!out) return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT, "thread pool: out is NULL");
  *out = NULL;
  if (threads < 1 || threads > MRW_MAX_THREADS)
    return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT,
                         "thread pool: thread count %d is outside [1, %d]", threads,
                         MRW_MAX_THREADS);
  mrw_thread_pool *pool = calloc(1, sizeof *pool);
  if (!pool) return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "thread pool: out of memory");
  pthread_mutex_init(&pool->mutex, NULL);
  pthread_cond_init(&pool->work_ready, NULL);
  pthread_cond_init(&pool->work_done, NULL);
  atomic_init(&pool->next_index, 0);
  atomic_init(&pool->generation, 0);
  atomic_init(&pool->shutting_down, 0);
  atomic_init(&pool->busy_workers, 0);
  for (int t = 1; t < threads; t++) {
    worker_arg *arg = &pool->args[pool->worker_count];
    arg->pool = pool;
    arg->thread = t;
    if (pthread_create(&pool->workers[pool->worker_count], NULL, worker_main, arg) != 0)
      break; /* no (more) threads here: run with those that started */
    pool->worker_count++;
  }
  *out = pool;
  return MRW_OK;
}

void mrw_thread_pool_free(mrw_thread_pool *pool) {
  if (!pool) return;
  pthread_mutex_lock(&pool->mutex);
  atomic_store_explicit(&pool->shutting_down, 1, memory_order_release);
  pthread_cond_broadcast(&pool->work_ready);
  pthread_mutex_unlock(&pool->mutex);
  for (int i = 0; i < pool->worker_count; i++) pthread_join(pool->workers[i], NULL);
  pthread_cond_destroy(&pool->work_done);
  pthread_cond_destroy(&pool->work_ready);
  pthread_mutex_destroy(&pool->mutex);
  free(pool);
}

int mrw_thread_pool_size(const mrw_thread_pool *pool) {
  return pool ? pool->worker_count + 1 : 1;
}

void mrw_thread_pool_run(mrw_thread_pool *pool, size_t count, mrw_task_fn fn, void *ctx) {
  if (count == 0) return;
  if (!pool || pool->worker_count == 0 || count == 1) {
    for (size_t i = 0; i < count; i++) fn(ctx, i, 0);
    return;
  }
  pthread_mutex_lock(&pool->mutex);
  pool->fn = fn;
  pool->ctx = ctx;
  pool->count = count;
  atomic_store_explicit(&pool->next_index, 0, memory_order_relaxed);
  pool->busy_workers = pool->worker_count;
  pool->generation++;
  pthread_cond_broadcast(&pool->work_ready);
  pthread_mutex_unlock(&pool->mutex);

  run_indices(pool, 0);

  pthread_mutex_lock(&pool->mutex);
  while (pool->busy_workers > 0) pthread_cond_wait(&pool->work_done, &pool->mutex);
  pthread_mutex_unlock(&pool->mutex);
}
