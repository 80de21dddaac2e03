#ifndef MRW_SIMD_SIMD_H
#define MRW_SIMD_SIMD_H

/* The one place kernels get their vector intrinsics from. Kernels are written once with the
 * WebAssembly SIMD128 intrinsics (wasm_f32x4_add, ...): the Emscripten build compiles them to
 * real SIMD128 instructions, the native build takes SIMDe's portable implementation of the
 * same functions, so the code that ships is the code the native tests run. */
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#else
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/wasm/simd128.h>
#endif

#endif
