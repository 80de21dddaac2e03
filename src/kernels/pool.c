#include "kernels/pool.h"

#include <stddef.h>

#include "simd/simd.h"

int mrw_max_pool_out(int in, int kernel, int stride, int pad) {
  return (in + 2 * pad - kernel) / stride + 1;
}

typedef struct pool_job {
  const float *input;
  int in_h, in_w, c, kernel, stride, pad, out_w;
  float *output;
} pool_job;

// One output row. input: [in_h][in_w][c], output row: [out_w][c]; SIMD over channels.
static void max_pool_row(void *ctx, size_t oy, int thread) {
  (void)thread;
  const pool_job *j = ctx;
  int y0 = (int)oy * j->stride - j->pad;
  for (int ox = 0; ox < j->out_w; ox++) {
    int x0 = ox * j->stride - j->pad;
    float *out = j->output + ((size_t)oy * j->out_w + ox) * j->c;
    int first = 1;
    for (int y = y0; y < y0 + j->kernel; y++) {
      if (y < 0 || y >= j->in_h) continue;
      for (int x = x0; x < x0 + j->kernel; x++) {
        if (x < 0 || x >= j->in_w) continue;
        const float *in = j->input + ((size_t)y * j->in_w + x) * j->c;
        int ch = 0;
        if (first) {
          for (; ch < j->c; ch++) out[ch] = in[ch];
        } else {
          for (; ch + 4 <= j->c; ch += 4)
            wasm_v128_store(out + ch, wasm_f32x4_max(wasm_v128_load(out + ch), wasm_v128_load(in + ch)));
          for (; ch < j->c; ch++) out[ch] = in[ch] > out[ch] ? in[ch] : out[ch];
        }
        first = 0;
      }
    }
  }
}

void mrw_max_pool(const float *input, int in_h, int in_w, int c, int kernel, int stride, int pad,
                  float *output, mrw_thread_pool *pool) {
  pool_job job = {input, in_h, in_w, c, kernel, stride, pad,
                  mrw_max_pool_out(in_w, kernel, stride, pad), output};
  mrw_thread_pool_run(pool, (size_t)mrw_max_pool_out(in_h, kernel, stride, pad), max_pool_row, &job);
}

void mrw_max_pool_ref(const float *input, int in_h, int in_w, int c, int kernel, int stride,
                      int pad, float *output) {
  int out_h = mrw_max_pool_out(in_h, kernel, stride, pad);
  int out_w = mrw_max_pool_out(in_w, kernel, stride, pad);
  for (int oy = 0; oy < out_h; oy++)
    for (int ox = 0; ox < out_w; ox++)
      for (int ch = 0; ch < c; ch++) {
        int found = 0;
        float best = 0.0f;
        for (int ky = 0; ky < kernel; ky++)
          for (int kx = 0; kx < kernel; kx++) {
            int y = oy * stride - pad + ky, x = ox * stride - pad + kx;
            if (y < 0 || y >= in_h || x < 0 || x >= in_w) continue;
            float v = input[((size_t)y * in_w + x) * c + ch];
            if (!found || v > best) best = v;
            found = 1;
          }
        output[((size_t)oy * out_w + ox) * c + ch] = best;
      }
}
