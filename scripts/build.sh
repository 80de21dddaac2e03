#!/usr/bin/env bash
# Builds the C core in the requested variants (default: all four).
#   native   gcc, tests and tools           build/native
#   asan     clang with ASan + UBSan        build/asan
#   wasm     Emscripten, SIMD128            build/wasm
#   wasm-mt  Emscripten, SIMD128 + pthreads build/wasm-mt
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs   # Emscripten's optimizer needs Debian's acorn
JOBS=${JOBS:-2}

build_variant() {
  local name=$1
  local dir=build/$name
  local -a configure
  case $name in
    native)  configure=(cmake -DCMAKE_BUILD_TYPE=Release) ;;
    # clang: its AddressSanitizer inlines the SIMD loads that gcc's turns into calls (3x faster)
    asan)    configure=(env CC=clang CXX=clang++ cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMRW_SANITIZE=ON) ;;
    wasm)    configure=(emcmake cmake -DCMAKE_BUILD_TYPE=Release) ;;
    wasm-mt) configure=(emcmake cmake -DCMAKE_BUILD_TYPE=Release -DMRW_THREADS=ON) ;;
    *) echo "build: unknown variant '$name' (native, asan, wasm, wasm-mt)" >&2; return 2 ;;
  esac
  echo "build: $name -> $dir"
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    "${configure[@]}" -S . -B "$dir" -DMRW_FIXTURE_DIR="$PWD/build/fixtures" >"$dir.configure.log" 2>&1 ||
      { cat "$dir.configure.log"; return 1; }
  fi
  if ! cmake --build "$dir" -j "$JOBS" >"$dir.build.log" 2>&1; then
    grep -E 'error|warning|Error' "$dir.build.log" | head -50
    echo "build: $name failed (full log: $dir.build.log)" >&2
    return 1
  fi
}

mkdir -p build
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(native asan wasm wasm-mt)
for v in "${variants[@]}"; do build_variant "$v"; done
