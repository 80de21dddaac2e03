#!/usr/bin/env bash
# Benchmarks in WebAssembly under Node (not tests: they print numbers).
#  1. kernels: the SIMD128 multiply-add ceiling of the 4x8 register tile, the packed GEMM,
#     and a 3x3 256->256 convolution at 200x304, with 1 thread (SIMD build) and 1 and 2
#     threads (SIMD + pthreads build);
#  2. the whole model (ResNet-50-FPN Mask R-CNN, torchvision's test weights from
#     models/make_fixtures.py) on an 800x1199 image: median per-stage milliseconds and the
#     peak WebAssembly memory, 1 and 2 threads.
# Usage: npm run bench [-- --kernels-only]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh wasm wasm-mt >/dev/null
node_run() { node --no-experimental-fetch "$@"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), node $(node --version)"
echo
echo "== kernels (GFLOP/s) =="
node_run build/wasm/bench/kernel_bench.js wasm-simd 1
node_run build/wasm-mt/bench/kernel_bench.js wasm-mt 1 2 | tail -n +2
[ "${1:-}" = "--kernels-only" ] && exit 0

/usr/bin/python3 models/make_fixtures.py build/fixtures --only e2e_r50 >/dev/null
model=build/fixtures/r50_det.safetensors
echo
echo "== whole model, 800x1199 =="
echo "-- wasm-simd, 1 thread"
node_run build/wasm/bench/model_bench.js "$model" 1199 800 1 2
echo "-- wasm-mt, 2 threads"
node_run build/wasm-mt/bench/model_bench.js "$model" 1199 800 2 2
