// The WebAssembly builds that scripts/build.sh package puts in dist/, by flavour: the ES module
// glue, its .wasm, and (threaded browser build) the script of its pthread workers.
export const FLAVOURS = Object.freeze({
  simd: { glue: 'maskrcnn-wasm-simd.js', wasm: 'maskrcnn-wasm-simd.wasm', threaded: false },
  'simd-threads': {
    glue: 'maskrcnn-wasm-threads.js', wasm: 'maskrcnn-wasm-threads.wasm',
    worker: 'maskrcnn-wasm-threads.worker.js', threaded: true,
  },
  // CommonJS (dist/node/package.json says so), Node only; its pthread workers find their
  // script beside it.
  node: { glue: 'node/maskrcnn-wasm-node.js', wasm: 'node/maskrcnn-wasm-node.wasm', threaded: true },
});

/** The pthread workers a threaded module starts while it loads: one per extra thread. A
 * pool of zero would never finish loading (the glue waits for the pool), so at least one. */
export function pthreadWorkers(threads) {
  return Math.max(1, threads - 1);
}
