#!/usr/bin/env bash
# Does relaxed SIMD's FMA raise the float kernels' ceiling here? Compiles madd_loop.c twice
# (plain SIMD128; -mrelaxed-simd) and runs both in Node (compare.mjs).
#
# Emscripten 3.1.6 cannot build it: its clang (Debian's clang 14) knows only the
# pre-standard relaxed-SIMD builtins, and its wasm-opt (Debian's binaryen) refuses the final
# opcodes. Debian's clang-16 and lld-16 emit and link them; the loop needs no C library, so
# they build it alone (clang -c, then wasm-ld, so that no wasm-opt runs).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/relaxed-simd
mkdir -p "$out"
for variant in plain relaxed; do
  flags=(-O3 -msimd128)
  [ "$variant" = relaxed ] && flags+=(-mrelaxed-simd -DRELAXED)
  /usr/lib/llvm-16/bin/clang --target=wasm32 "${flags[@]}" -Wall -Wextra -Werror \
    -c bench/relaxed-simd/madd_loop.c -o "$out/$variant.o"
  /usr/lib/llvm-16/bin/wasm-ld --no-entry "$out/$variant.o" -o "$out/$variant.wasm"
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), node $(node --version)"
node --experimental-wasm-relaxed-simd bench/relaxed-simd/compare.mjs "$out" "$@"
