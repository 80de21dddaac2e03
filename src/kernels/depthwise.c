#include "kernels/depthwise.h"

#include "simd/simd.h"

int mrw_depthwise_out_h(const mrw_depthwise_shape *s) {
  return (s->in_h + 2 * s->pad - s->kernel) / s->stride + 1;
}

int mrw_depthwise_out_w(const mrw_depthwise_shape *s) {
  return (s->in_w + 2 * s->pad - s->kernel) / s->stride + 1;
}

// weights: [channels][1][k][k] -> packed: [k * k][channels]
void mrw_depthwise_pack_weights(int channels, int kernel, const float *weights, float *packed) {
  size_t taps = (size_t)kernel * kernel;
  for (size_t t = 0; t < taps; t++)
    for (int ch = 0; ch < channels; ch++) packed[t * channels + ch] = weights[ch * taps + t];
}

typedef struct depthwise_job {
  const mrw_depthwise_shape *shape;
  const float *input, *packed, *bias;
  mrw_activation activation;
  int out_w;
  float *output;
} depthwise_job;

static v128_t activate4(mrw_activation a, v128_t v) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  if (a == MRW_ACTIVATION_RELU) return wasm_f32x4_pmax(zero, v);
  if (a == MRW_ACTIVATION_HARDSWISH) {
    const v128_t three = wasm_f32x4_splat(3.0f), six = wasm_f32x4_splat(6.0f);
    v128_t t = wasm_f32x4_pmin(six, wasm_f32x4_pmax(zero, wasm_f32x4_add(v, three)));
    return wasm_f32x4_div(wasm_f32x4_mul(v, t), six);
  }
  return v;
}

// One output row. input: [in_h, in_w, C]; output row: [out_w, C]; SIMD over channels, the
// taps inside the image visited in (ky, kx) order.
static void depthwise_row(void *ctx, size_t oy, int thread) {
  (void)thread;
  const depthwise_job *j = ctx;
  const mrw_depthwise_shape *s = j->shape;
  int c = s->channels, k = s->kernel;
  int y0 = (int)oy * s->stride - s->pad;
  int ky0 = y0 < 0 ? -y0 : 0, ky1 = s->in_h - y0 < k ? s->in_h - y0 : k;
  for (int ox = 0; ox < j->out_w; ox++) {
    int x0 = ox * s->stride - s->pad;
    int kx0 = x0 < 0 ? -x0 : 0, kx1 = s->in_w - x0 < k ? s->in_w - x0 : k;
    float *out = j->output + ((size_t)oy * j->out_w + ox) * c;
    int ch = 0;
    for (; ch + 4 <= c; ch += 4) {
      v128_t acc = wasm_v128_load(j->bias + ch);
      for (int ky = ky0; ky < ky1; ky++) {
        const float *row = j->input + (size_t)(y0 + ky) * s->in_w * c + ch;
        const float *w = j->packed + (size_t)ky * k * c + ch;
        for (int kx = kx0; kx < kx1; kx++)
          acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(row + (size_t)(x0 + kx) * c),
                                                   wasm_v128_load(w + (size_t)kx * c)));
      }
      wasm_v128_store(out + ch, activate4(j->activation, acc));
    }
    for (; ch < c; ch++) {
      float acc = j->bias[ch];
      for (int ky = ky0; ky < ky1; ky++)
        for (int kx = kx0; kx < kx1; kx++)
          acc += j->input[((size_t)(y0 + ky) * s->in_w + (size_t)(x0 + kx)) * c + ch] *
                 j->packed[((size_t)ky * k + kx) * c + ch];
      out[ch] = mrw_activate(j->activation, acc);
    }
  }
}

void mrw_depthwise_conv2d(const mrw_depthwise_shape *s, const float *input, const float *packed,
                          const float *bias, mrw_activation activation, float *output,
                          mrw_thread_pool *pool) {
  depthwise_job job = {s, input, packed, bias, activation, mrw_depthwise_out_w(s), output};
  mrw_thread_pool_run(pool, (size_t)mrw_depthwise_out_h(s), depthwise_row, &job);
}
