/* The 4x8 register tile's multiply-add loop of the float GEMM (kernels/gemm.c), alone and with
 * no C library, compiled twice by bench/relaxed-simd/run.sh: with a SIMD128 multiply and add
 * per step, as the engine's kernels do, and with relaxed SIMD's f32x4.relaxed_madd (an FMA
 * where the CPU has one). Its operands stay in L1 and its accumulators in registers, so the
 * two builds' rates compare what each instruction sequence can issue on this CPU. */
#include <wasm_simd128.h>

#define DEPTH 256

static float a_strip[DEPTH * 4] __attribute__((aligned(16))); /* [depth][4] */
static float b_panel[DEPTH * 8] __attribute__((aligned(16))); /* [depth][8] */

#ifdef RELAXED
/* (clang 16's header has no wasm_f32x4_relaxed_madd yet; its builtin emits the final opcode) */
#define MULTIPLY_ADD(acc, a, b) \
  acc = (v128_t)__builtin_wasm_relaxed_madd_f32x4((__f32x4)(a), (__f32x4)(b), (__f32x4)(acc))
#else
#define MULTIPLY_ADD(acc, a, b) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(a, b))
#endif

__attribute__((export_name("fill"))) void fill(void) {
  for (int i = 0; i < DEPTH * 4; i++) a_strip[i] = (float)(i % 7) * 0.001f;
  for (int i = 0; i < DEPTH * 8; i++) b_panel[i] = (float)(i % 5) * 0.001f;
}

/* passes times over the depth: per step two loads of b, four load-splats of a, eight
 * multiply-adds of four lanes (64 flops). Returns a sum of the tile, so nothing is dropped. */
__attribute__((export_name("run"))) float run(int passes) {
  v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
  v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int pass = 0; pass < passes; pass++) {
    const float *a = a_strip, *b = b_panel;
    for (int p = 0; p < DEPTH; p++, a += 4, b += 8) {
      v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
      v128_t a0 = wasm_v128_load32_splat(a), a1 = wasm_v128_load32_splat(a + 1);
      v128_t a2 = wasm_v128_load32_splat(a + 2), a3 = wasm_v128_load32_splat(a + 3);
      MULTIPLY_ADD(c00, a0, b0);
      MULTIPLY_ADD(c01, a0, b1);
      MULTIPLY_ADD(c10, a1, b0);
      MULTIPLY_ADD(c11, a1, b1);
      MULTIPLY_ADD(c20, a2, b0);
      MULTIPLY_ADD(c21, a2, b1);
      MULTIPLY_ADD(c30, a3, b0);
      MULTIPLY_ADD(c31, a3, b1);
    }
  }
  v128_t s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(c00, c01), wasm_f32x4_add(c10, c11)),
                            wasm_f32x4_add(wasm_f32x4_add(c20, c21), wasm_f32x4_add(c30, c31)));
  return wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 3);
}

__attribute__((export_name("depth"))) int depth(void) { return DEPTH; }
