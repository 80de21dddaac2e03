#!/usr/bin/env bash
# Kernel benchmark in WebAssembly under Node: the SIMD128 multiply-add ceiling, the GEMM and a
# 3x3 256->256 convolution at 200x304, with 1 thread (SIMD build) and 1 and 2 threads
# (SIMD + pthreads build).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh wasm wasm-mt >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), node $(node --version)"
node --no-experimental-fetch build/wasm/bench/kernel_bench.js wasm-simd 1
node --no-experimental-fetch build/wasm-mt/bench/kernel_bench.js wasm-mt 1 2 | tail -n +2
