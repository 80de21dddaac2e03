#!/usr/bin/env bash
# npm start: installs what is missing, builds the C core natively and as WebAssembly, and
# reports what was built.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh native wasm wasm-mt
echo
echo "start: built"
for f in build/native/libmrw_core.a build/wasm/libmrw_core.a build/wasm-mt/libmrw_core.a; do
  printf '  %-32s %8d bytes\n' "$f" "$(stat -c %s "$f")"
done
echo "start: run the test suite with 'npm test', the kernel benchmark with 'npm run bench'"
