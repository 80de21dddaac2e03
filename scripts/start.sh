#!/usr/bin/env bash
# npm start: installs what is missing, builds the C core natively and as WebAssembly and the
# npm package's modules, reports what was built, segments a sample image with the CLI and the
# default model, then serves the demo page on localhost (with the headers that turn threads
# on) and prints its address. START_NO_SERVE=1 stops after the sample.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh native wasm wasm-mt package
echo
echo "start: built"
for f in build/native/libmrw_core.a build/wasm/libmrw_core.a build/wasm-mt/libmrw_core.a \
         dist/maskrcnn-wasm-simd.wasm dist/maskrcnn-wasm-threads.wasm dist/node/maskrcnn-wasm-node.wasm; do
  printf '  %-40s %9d bytes\n' "$f" "$(stat -c %s "$f")"
done

sample=web/demo/samples/scene-1.png  # a committed sample scene (the demo opens with it too)
echo
echo "start: segmenting $sample with the default model (models/default.safetensors)"
node web/src/cli/main.js segment "$sample" --json build/start.json --overlay build/start-overlay.png
echo "start: wrote build/start.json and build/start-overlay.png"
echo "start: run the test suite with 'npm test', the benchmark with 'npm run bench'"
if [ "${START_NO_SERVE:-}" != 1 ]; then
  echo "start: serving the demo (Ctrl-C stops it)"
  exec node scripts/serve.js
fi
