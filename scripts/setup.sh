#!/usr/bin/env bash
# Installs what the build, the tests and the tools need and is not there yet; safe to re-run.
# Debian packages through apt, JavaScript packages through npm. Nothing else is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  cmake make g++ clang libclang-rt-14-dev   # native build, sanitizers, libFuzzer
  libgtest-dev googletest                   # Google Test (googletest: sources for em++)
  libsimde-dev                              # wasm_simd128.h intrinsics natively
  zlib1g-dev                                # gzip-compressed model files
  emscripten                                # WebAssembly build
  python3-torchvision python3-numpy         # converter and reference fixtures
  libopenblas0-pthread                      # threaded BLAS for torch (fixtures, training)
  chromium                                  # browser tests of the npm package
)

source scripts/debian-packages.sh
install_debian_packages setup "${APT_PACKAGES[@]}"

if grep -q '"dependencies"\|"devDependencies"' package.json; then
  if [ ! -d node_modules ] || [ package.json -nt node_modules ] || [ package-lock.json -nt node_modules ]; then
    echo "setup: installing npm packages"
    npm install --no-audit --no-fund --loglevel=error
    touch node_modules
  else
    echo "setup: npm packages present"
  fi
fi
