#include "kernels/conv2d.h"

#include "simd/simd.h"

int mrw_conv_out_h(const mrw_conv_shape *s) {
  return (s->in_h + 2 * s->pad - s->kernel_h) / s->stride + 1;
}

int mrw_conv_out_w(const mrw_conv_shape *s) {
  return (s->in_w + 2 * s->pad - s->kernel_w) / s->stride + 1;
}

int mrw_conv_batch(const mrw_conv_shape *s) { return s->batch > 0 ? s->batch : 1; }

static size_t conv_depth(const mrw_conv_shape *s) {
  return (size_t)s->kernel_h * s->kernel_w * s->in_c;
}

size_t mrw_conv_packed_floats(const mrw_conv_shape *s) {
  return mrw_gemm_packed_b_floats(conv_depth(s), (size_t)s->out_c);
}

// weights: [out_c][in_c][kh][kw] -> packed GEMM operand over depth (ky, kx, ci).
void mrw_conv_pack_weights(const mrw_conv_shape *s, const float *weights, float *packed) {
  size_t k = conv_depth(s), taps = (size_t)s->kernel_h * s->kernel_w;
  float *dst = packed;
  for (size_t j0 = 0; j0 < (size_t)s->out_c; j0 += MRW_GEMM_NR) {
    for (size_t p = 0; p < k; p++) {
      size_t tap = p / s->in_c, ci = p % s->in_c;
      for (size_t j = 0; j < MRW_GEMM_NR; j++) {
        size_t co = j0 + j;
        *dst++ = co < (size_t)s->out_c ? weights[(co * s->in_c + ci) * taps + tap] : 0.0f;
      }
    }
  }
}

typedef struct conv_a {
  const mrw_conv_shape *shape;
  const float *input;
  int out_h, out_w;
} conv_a;

// Implicit im2col. Row r of A is output pixel r of the batch, depth p is (tap = p / in_c, ci = p % in_c).
// dst: [ceil(rows/4)][kc][4]. A depth range is cut into pieces that each of the four rows reads
// contiguously from its input (or as zeros in the padding), which a 4x4 transpose interleaves:
// the rest of a kernel row's taps where every row has them all inside the image (their pixels
// are neighbours, so their channels follow one another: 21 floats for a 7x7 stem over 3
// channels), else the rest of one tap's channels.
static void conv_pack_a(const void *ctx, size_t row0, size_t rows, size_t k0, size_t kc,
                        float *dst) {
  const conv_a *a = ctx;
  const mrw_conv_shape *s = a->shape;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (size_t r0 = 0; r0 < rows; r0 += MRW_GEMM_MR) {
    int oy[MRW_GEMM_MR], ox[MRW_GEMM_MR];
    int valid[MRW_GEMM_MR];
    const float *image[MRW_GEMM_MR];
    size_t image_pixels = (size_t)a->out_h * a->out_w;
    for (int r = 0; r < MRW_GEMM_MR; r++) {
      valid[r] = r0 + r < rows;
      size_t pixel = valid[r] ? row0 + r0 + r : 0;
      size_t n = pixel / image_pixels, in_image = pixel % image_pixels;
      image[r] = a->input + n * s->in_h * s->in_w * s->in_c;
      oy[r] = (int)(in_image / a->out_w);
      ox[r] = (int)(in_image % a->out_w);
    }
    float *tile = dst + r0 * kc;
    size_t p = k0;
    while (p < k0 + kc) {
      int tap = (int)(p / s->in_c);
      size_t ci = p % s->in_c;
      int ky = tap / s->kernel_w, kx = tap % s->kernel_w;
      const float *src[MRW_GEMM_MR];
      int whole_row = 1; /* every row reads taps kx.. of kernel row ky whole, or none of them */
      for (int r = 0; r < MRW_GEMM_MR; r++) {
        int iy = oy[r] * s->stride - s->pad + ky, ix = ox[r] * s->stride - s->pad + kx;
        int row_inside = valid[r] && iy >= 0 && iy < s->in_h;
        int inside = row_inside && ix >= 0 && ix < s->in_w;
        if (row_inside && !(ix >= 0 && ix + (s->kernel_w - 1 - kx) < s->in_w)) whole_row = 0;
        src[r] = inside ? image[r] + ((size_t)iy * s->in_w + ix) * s->in_c + ci : NULL;
      }
      size_t piece = (whole_row ? (size_t)(s->kernel_w - kx) * s->in_c : (size_t)s->in_c) - ci;
      if (piece > k0 + kc - p) piece = k0 + kc - p;
      float *out = tile + (p - k0) * MRW_GEMM_MR;
      size_t q = 0;
      for (; q + 4 <= piece; q += 4) {
        v128_t x0 = src[0] ? wasm_v128_load(src[0] + q) : zero;
        v128_t x1 = src[1] ? wasm_v128_load(src[1] + q) : zero;
        v128_t x2 = src[2] ? wasm_v128_load(src[2] + q) : zero;
        v128_t x3 = src[3] ? wasm_v128_load(src[3] + q) : zero;
        v128_t t0 = wasm_i32x4_shuffle(x0, x1, 0, 4, 1, 5);
        v128_t t1 = wasm_i32x4_shuffle(x2, x3, 0, 4, 1, 5);
        v128_t t2 = wasm_i32x4_shuffle(x0, x1, 2, 6, 3, 7);
        v128_t t3 = wasm_i32x4_shuffle(x2, x3, 2, 6, 3, 7);
        wasm_v128_store(out + 0, wasm_i64x2_shuffle(t0, t1, 0, 2));
        wasm_v128_store(out + 4, wasm_i64x2_shuffle(t0, t1, 1, 3));
        wasm_v128_store(out + 8, wasm_i64x2_shuffle(t2, t3, 0, 2));
        wasm_v128_store(out + 12, wasm_i64x2_shuffle(t2, t3, 1, 3));
        out += 16;
      }
      for (; q < piece; q++) {
        for (int r = 0; r < MRW_GEMM_MR; r++) out[r] = src[r] ? src[r][q] : 0.0f;
        out += MRW_GEMM_MR;
      }
      p += piece;
    }
  }
}

void mrw_conv2d(const mrw_conv_shape *s, const float *input, const float *packed_weights,
                const mrw_epilogue *epilogue, float *output, float *workspace,
                mrw_thread_pool *pool) {
  int out_h = mrw_conv_out_h(s), out_w = mrw_conv_out_w(s);
  conv_a a_ctx = {.shape = s, .input = input, .out_h = out_h, .out_w = out_w};
  mrw_gemm_a a = {.pack = conv_pack_a, .ctx = &a_ctx};
  mrw_gemm((size_t)mrw_conv_batch(s) * out_h * out_w, (size_t)s->out_c, conv_depth(s), a, packed_weights, epilogue,
           output, (size_t)s->out_c, workspace, pool);
}
