/* Kernel throughput: the WASM SIMD multiply-add ceiling, the packed GEMM, and a 3x3
 * 256->256 convolution at 200x304 (FPN P2 size) as implicit GEMM and as Winograd F(2x2, 3x3),
 * F(4x4, 3x3) (with the time to transform its weights per call) and int8, each at the thread
 * counts given on the command line. Prints GFLOP/s and each kernel's share of the ceiling at that thread count. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/thread_pool.h"
#include "kernels/conv2d.h"
#include "kernels/gemm.h"
#include "kernels/gemm_i8.h"
#include "kernels/winograd.h"
#include "kernels/winograd_i8.h"
#include "simd/simd.h"

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define CEILING_DEPTH 256
#define CEILING_PASSES 10000

typedef struct ceiling_job {
  float a[CEILING_DEPTH * 4]; /* [depth][4]: one packed 4-row strip, L1-resident */
  float b[CEILING_DEPTH * 8]; /* [depth][8]: one packed 8-column panel, L1-resident */
  float sink[64][4];
  int passes;
} ceiling_job;

// The 4x8 microkernel's loop with its operands held in L1 and its accumulators in registers:
// per step one load of 8 floats of b, four load-splats of a, 8 multiplies and 8 adds. No
// GEMM on this tile shape can go faster, so it is the ceiling the kernels are measured by.
static void ceiling_task(void *ctx, size_t index, int thread) {
  (void)thread;
  ceiling_job *job = ctx;
  v128_t c0 = wasm_f32x4_splat(0.0f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
  for (int pass = 0; pass < job->passes; pass++) {
    const float *a = job->a, *b = job->b;
    for (int p = 0; p < CEILING_DEPTH; p++, a += 4, b += 8) {
      v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
      v128_t a0 = wasm_v128_load32_splat(a), a1 = wasm_v128_load32_splat(a + 1);
      v128_t a2 = wasm_v128_load32_splat(a + 2), a3 = wasm_v128_load32_splat(a + 3);
      c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(a0, b0));
      c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(a0, b1));
      c2 = wasm_f32x4_add(c2, wasm_f32x4_mul(a1, b0));
      c3 = wasm_f32x4_add(c3, wasm_f32x4_mul(a1, b1));
      c4 = wasm_f32x4_add(c4, wasm_f32x4_mul(a2, b0));
      c5 = wasm_f32x4_add(c5, wasm_f32x4_mul(a2, b1));
      c6 = wasm_f32x4_add(c6, wasm_f32x4_mul(a3, b0));
      c7 = wasm_f32x4_add(c7, wasm_f32x4_mul(a3, b1));
    }
  }
  v128_t sum = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(c0, c1), wasm_f32x4_add(c2, c3)),
                              wasm_f32x4_add(wasm_f32x4_add(c4, c5), wasm_f32x4_add(c6, c7)));
  wasm_v128_store(job->sink[index % 64], sum);
}

/* The sink is read back after timing so the compiler cannot drop the loop. */
static double measure_ceiling(mrw_thread_pool *pool, float *checksum) {
  static const ceiling_job zero;
  ceiling_job *job = malloc(sizeof *job);
  if (!job) return 0.0;
  *job = zero;
  for (int i = 0; i < CEILING_DEPTH * 4; i++) job->a[i] = 1e-3f * (float)(i % 7);
  for (int i = 0; i < CEILING_DEPTH * 8; i++) job->b[i] = 1e-3f * (float)(i % 5);
  int threads = mrw_thread_pool_size(pool);
  /* V8 runs a function's first calls in its baseline tier and only later calls get the
   * optimized code (a running call is not replaced), so: short calls first, then the best
   * of several timed calls. */
  job->passes = 100;
  for (int i = 0; i < 20; i++) mrw_thread_pool_run(pool, (size_t)threads, ceiling_task, job);
  /* Many equal tasks, so that a thread that starts late still gets its share. */
  const int tasks = 16 * threads;
  job->passes = CEILING_PASSES / 16;
  double seconds = 1e30;
  for (int r = 0; r < 5; r++) {
    double t0 = now_seconds();
    mrw_thread_pool_run(pool, (size_t)tasks, ceiling_task, job);
    double t = now_seconds() - t0;
    if (t < seconds) seconds = t;
  }
  double flops = (double)tasks * job->passes * CEILING_DEPTH * 8 * 4 * 2;
  for (int i = 0; i < threads; i++) *checksum += job->sink[i][0];
  free(job);
  return flops / seconds * 1e-9;
}

static float *random_floats(size_t n, unsigned seed) {
  float *v = malloc(n * sizeof *v);
  if (!v) {
    fprintf(stderr, "bench: out of memory\n");
    exit(1);
  }
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = (float)(seed >> 8) / 16777216.0f - 0.5f;
  }
  return v;
}

/* Best of `repeats` runs of a 3x3 conv, GFLOP/s. */
static double measure_conv(int h, int w, int c, int repeats, mrw_thread_pool *pool) {
  mrw_conv_shape s = {h, w, c, c, 3, 3, 1, 1, 1};
  float *in = random_floats((size_t)h * w * c, 1), *weights = random_floats((size_t)c * c * 9, 2);
  float *bias = random_floats((size_t)c, 3), *out = malloc((size_t)h * w * c * sizeof(float));
  float *packed = malloc(mrw_conv_packed_floats(&s) * sizeof(float));
  float *ws = malloc(mrw_gemm_workspace_floats(mrw_thread_pool_size(pool)) * sizeof(float));
  mrw_conv_pack_weights(&s, weights, packed);
  mrw_epilogue e = {bias, NULL, 0, 1, NULL};
  double best = 1e30;
  for (int r = 0; r < repeats; r++) {
    double t0 = now_seconds();
    mrw_conv2d(&s, in, packed, &e, out, ws, pool);
    double t = now_seconds() - t0;
    if (t < best) best = t;
  }
  free(in), free(weights), free(bias), free(out), free(packed), free(ws);
  return 2.0 * h * w * (double)c * c * 9 / best * 1e-9;
}

/* Best of `repeats` runs of a 3x3 conv by Winograd F(tile x tile, 3x3), in floats or in int8,
 * in GFLOP/s of the direct convolution it stands for. */
static double measure_winograd(int h, int w, int c, int tile, int int8, int repeats,
                               mrw_thread_pool *pool) {
  mrw_conv_shape s = {h, w, c, c, 3, 3, 1, 1, 1};
  int threads = mrw_thread_pool_size(pool);
  float *in = random_floats((size_t)h * w * c, 1), *weights = random_floats((size_t)c * c * 9, 2);
  float *bias = random_floats((size_t)c, 3), *out = malloc((size_t)h * w * c * sizeof(float));
  float *scales = random_floats((size_t)c, 4);
  int8_t *q = malloc((size_t)c * c * 9);
  for (size_t i = 0; i < (size_t)c * c * 9; i++) q[i] = (int8_t)(weights[i] * 250.0f);
  size_t packed_bytes = int8 ? mrw_winograd_i8_packed_count(&s, tile) * sizeof(int16_t)
                             : mrw_winograd_packed_floats(&s, tile) * sizeof(float);
  size_t ws_bytes = int8 ? mrw_winograd_i8_workspace_bytes(&s, tile, threads)
                         : mrw_winograd_workspace_floats(&s, tile, threads) * sizeof(float);
  void *packed = malloc(packed_bytes), *ws = malloc(ws_bytes);
  if (!out || !q || !packed || !ws) {
    fprintf(stderr, "bench: out of memory\n");
    exit(1);
  }
  if (int8)
    mrw_winograd_i8_pack_weights(&s, tile, q, packed);
  else
    mrw_winograd_pack_weights(&s, tile, weights, packed, pool);
  mrw_epilogue e = {bias, NULL, 0, 1, NULL};
  double best = 1e30;
  for (int r = 0; r < repeats; r++) {
    double t0 = now_seconds();
    if (int8)
      mrw_winograd_i8_conv2d(&s, tile, in, packed, scales, &e, out, ws, pool);
    else
      mrw_winograd_conv2d(&s, tile, in, packed, &e, out, ws, pool);
    double t = now_seconds() - t0;
    if (t < best) best = t;
  }
  free(in), free(weights), free(bias), free(out), free(scales), free(q), free(packed), free(ws);
  return 2.0 * h * w * (double)c * c * 9 / best * 1e-9;
}

/* Best of `repeats` transforms of a 3x3 c -> c convolution's weights for F(tile x tile, 3x3)
 * from panels (what a layer on large maps does per call), in milliseconds. */
static double measure_winograd_pack(int c, int tile, int repeats, mrw_thread_pool *pool) {
  mrw_conv_shape s = {1, 1, c, c, 3, 3, 1, 1, 1};
  float *weights = random_floats((size_t)c * c * 9, 2);
  float *panels = malloc(mrw_winograd_panel_floats(&s) * sizeof(float));
  float *packed = malloc(mrw_winograd_packed_floats(&s, tile) * sizeof(float));
  if (!panels || !packed) {
    fprintf(stderr, "bench: out of memory\n");
    exit(1);
  }
  mrw_winograd_group_panels(&s, weights, panels);
  double best = 1e30;
  for (int r = 0; r < repeats; r++) {
    double t0 = now_seconds();
    mrw_winograd_pack_panels(&s, tile, panels, packed, pool);
    double t = now_seconds() - t0;
    if (t < best) best = t;
  }
  free(weights), free(panels), free(packed);
  return best * 1e3;
}

/* Best of `repeats` runs of the int8 GEMM on the same sizes, its left operand's rows
 * quantized in each run (as a layer does), GFLOP/s. */
static double measure_gemm_i8(size_t m, size_t n, size_t k, int repeats, mrw_thread_pool *pool) {
  float *a = random_floats(m * k, 4), *c = malloc(m * n * sizeof(float));
  float *row_scales = malloc(m * sizeof(float)), *col_scales = random_floats(n, 5);
  size_t ldq = mrw_gemm_i8_depth(k);
  int16_t *qa = malloc(m * ldq * sizeof(int16_t));
  int8_t *w = malloc(n * k);
  int16_t *packed = malloc(mrw_gemm_i8_packed_b_count(k, n) * sizeof(int16_t));
  if (!c || !row_scales || !qa || !w || !packed) {
    fprintf(stderr, "bench: out of memory\n");
    exit(1);
  }
  for (size_t i = 0; i < n * k; i++) w[i] = (int8_t)(i * 37 % 255 - 127);
  mrw_gemm_i8_pack_b(w, k, k, n, packed);
  double best = 1e30;
  for (int r = 0; r < repeats; r++) {
    double t0 = now_seconds();
    mrw_quantize_rows(a, m, k, k, qa, ldq, row_scales, pool);
    mrw_gemm_i8(m, n, k, qa, ldq, row_scales, packed, col_scales, NULL, c, n, pool);
    double t = now_seconds() - t0;
    if (t < best) best = t;
  }
  free(a), free(c), free(row_scales), free(col_scales), free(qa), free(w), free(packed);
  return 2.0 * (double)m * n * k / best * 1e-9;
}

/* Best of `repeats` runs of a dense m x n x k GEMM, GFLOP/s. */
static double measure_gemm(size_t m, size_t n, size_t k, int repeats, mrw_thread_pool *pool) {
  float *a = random_floats(m * k, 4), *b = random_floats(k * n, 5), *c = malloc(m * n * sizeof(float));
  float *packed = malloc(mrw_gemm_packed_b_floats(k, n) * sizeof(float));
  float *ws = malloc(mrw_gemm_workspace_floats(mrw_thread_pool_size(pool)) * sizeof(float));
  mrw_gemm_pack_b(b, n, k, n, packed);
  mrw_dense_a dense = {a, k};
  mrw_gemm_a op = {.pack = mrw_pack_a_dense, .ctx = &dense};
  double best = 1e30;
  for (int r = 0; r < repeats; r++) {
    double t0 = now_seconds();
    mrw_gemm(m, n, k, op, packed, NULL, c, n, ws, pool);
    double t = now_seconds() - t0;
    if (t < best) best = t;
  }
  free(a), free(b), free(c), free(packed), free(ws);
  return 2.0 * (double)m * n * k / best * 1e-9;
}

int main(int argc, char **argv) {
  const char *build = argc > 1 ? argv[1] : "native";
  int repeats = 3;
  printf("%-10s %7s %12s %12s %12s %12s %10s %12s %12s %12s %12s %12s\n", "build", "threads",
         "ceiling", "gemm", "gemm int8", "conv3x3", "conv/ceil", "wino f32", "wino43 f32",
         "wino43 pack", "wino int8", "wino43 int8");
  for (int i = 2; i < argc || i == 2; i++) {
    int threads = argc > i ? atoi(argv[i]) : 1;
    mrw_thread_pool *pool = NULL;
    mrw_error err = {0};
    if (mrw_thread_pool_create(threads, &pool, &err) != MRW_OK) {
      fprintf(stderr, "bench: %s\n", err.message);
      return 1;
    }
    int got = mrw_thread_pool_size(pool);
    float checksum = 0.0f;
    double ceiling = measure_ceiling(pool, &checksum);
    double gemm = measure_gemm(4096, 256, 2304, repeats, pool);
    double conv = measure_conv(200, 304, 256, repeats, pool);
    double gemm_i8 = measure_gemm_i8(4096, 256, 2304, repeats, pool);
    double wino = measure_winograd(200, 304, 256, 2, 0, repeats, pool);
    double wino43 = measure_winograd(200, 304, 256, 4, 0, repeats, pool);
    double wino43_pack = measure_winograd_pack(256, 4, repeats, pool);
    double wino_i8 = measure_winograd(200, 304, 256, 2, 1, repeats, pool);
    double wino43_i8 = measure_winograd(200, 304, 256, 4, 1, repeats, pool);
    printf("%-10s %7d %7.1f GF/s %7.1f GF/s %7.1f GF/s %7.1f GF/s %9.0f%% %7.1f GF/s %7.1f GF/s "
           "%9.2f ms %7.1f GF/s %7.1f GF/s\n",
           build, got, ceiling, gemm, gemm_i8, conv, 100.0 * conv / ceiling, wino, wino43,
           wino43_pack, wino_i8, wino43_i8);
    if (checksum != checksum) printf("(ceiling checksum is NaN)\n");
    fflush(stdout);
    mrw_thread_pool_free(pool);
  }
  return 0;
}
