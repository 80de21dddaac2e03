#!/usr/bin/env bash
# Builds the C core in the requested variants (default: all four), or the npm package's
# WebAssembly modules.
#   native   gcc, tests and tools           build/native
#   asan     clang with ASan + UBSan        build/asan
#   tsan     clang with ThreadSanitizer     build/tsan (the threaded tests only)
#   wasm     Emscripten, SIMD128            build/wasm
#   wasm-mt  Emscripten, SIMD128 + pthreads build/wasm-mt
#   package  the package's modules, linked in build/wasm and build/wasm-mt (from the same core
#            objects as their tests) and copied into dist/
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs   # Emscripten's optimizer needs Debian's acorn
JOBS=${JOBS:-2}

# build_variant NAME [TARGET...]: configures build/NAME if needed, then builds the targets
# (default: all).
build_variant() {
  local name=$1
  shift
  local dir=build/$name
  local -a configure targets=()
  case $name in
    native)  configure=(cmake -DCMAKE_BUILD_TYPE=Release) ;;
    # clang: its AddressSanitizer inlines the SIMD loads that gcc's turns into calls (3x faster)
    asan)    configure=(env CC=clang CXX=clang++ cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMRW_SANITIZE=ON) ;;
    tsan)    configure=(env CC=clang CXX=clang++ cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMRW_TSAN=ON) ;;
    wasm)    configure=(emcmake cmake -DCMAKE_BUILD_TYPE=Release) ;;
    wasm-mt) configure=(emcmake cmake -DCMAKE_BUILD_TYPE=Release -DMRW_THREADS=ON) ;;
    *) echo "build: unknown variant '$name' (native, asan, tsan, wasm, wasm-mt, package)" >&2; return 2 ;;
  esac
  [ $# -eq 0 ] || targets=(--target "$@")
  echo "build: $name${targets[*]:+ (${*})} -> $dir"
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    "${configure[@]}" -S . -B "$dir" -DMRW_FIXTURE_DIR="$PWD/build/fixtures" >"$dir.configure.log" 2>&1 ||
      { cat "$dir.configure.log"; return 1; }
  fi
  if ! cmake --build "$dir" -j "$JOBS" "${targets[@]}" >"$dir.build.log" 2>&1; then
    grep -E 'error|warning|Error' "$dir.build.log" | head -50
    echo "build: $name failed (full log: $dir.build.log)" >&2
    return 1
  fi
}

build_package() {
  build_variant wasm mrw_js_simd
  build_variant wasm-mt mrw_js_threads mrw_js_node
  rm -rf dist
  mkdir -p dist/node
  cp build/wasm/package/maskrcnn-wasm-simd.{js,wasm} dist/
  cp build/wasm-mt/package/maskrcnn-wasm-threads.{js,wasm,worker.js} dist/
  cp build/wasm-mt/package/node/maskrcnn-wasm-node.{js,wasm,worker.js} build/wasm-mt/package/node/package.json dist/node/
  echo "build: package modules -> dist/ ($(du -sk dist | cut -f1) KB)"
}

mkdir -p build
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(native asan wasm wasm-mt)
for v in "${variants[@]}"; do
  if [ "$v" = package ]; then build_package; else build_variant "$v"; fi
done
