// Two settings for maskrcnn-wasm, both for the dev server only (`vite build` finds the .wasm
// files by itself through new URL(..., import.meta.url)):
// - leave the package out of dependency pre-bundling, so that the dev server serves its files
//   as they are, beside the .wasm files they locate relative to themselves (Vite 8 also
//   rewrites those URLs when it pre-bundles; older versions do not, and the engine would not
//   find its files);
// - cross-origin isolation headers, so that the engine may use threads (without them it runs
//   single-threaded: load() picks the build that the page allows).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default {
  optimizeDeps: { exclude: ['maskrcnn-wasm'] },
  server: { headers: isolation },
  preview: { headers: isolation },
};
