// What load() needs in a browser: the build to run (SIMD, or SIMD + threads when the page is
// cross-origin isolated), the asset URLs, the engine worker, downloads, and pixels from
// images, canvases, video frames.
import { loadBrowserEngine } from '../engine/load-browser.js';
import { LocalEngine } from '../engine/local.js';
import { RemoteEngine } from '../engine/remote.js';
import { FLAVOURS } from '../engine/flavours.js';
import { fetchChunks } from '../io/fetch-bytes.js';
import { gunzip } from '../io/gzip.js';
import { pixelsFromSource } from './browser-pixels.js';
import { hasSimd, hasThreads } from './wasm-features.js';

const AUTO_THREAD_LIMIT = 8;

// Written out literally so that bundlers (Vite, webpack, ...) see each asset and copy it.
function defaultAssetUrls() {
  return {
    'maskrcnn-wasm-simd.js': new URL('../../../dist/maskrcnn-wasm-simd.js', import.meta.url).href,
    'maskrcnn-wasm-simd.wasm': new URL('../../../dist/maskrcnn-wasm-simd.wasm', import.meta.url).href,
    'maskrcnn-wasm-threads.js': new URL('../../../dist/maskrcnn-wasm-threads.js', import.meta.url).href,
    'maskrcnn-wasm-threads.wasm': new URL('../../../dist/maskrcnn-wasm-threads.wasm', import.meta.url).href,
    'maskrcnn-wasm-threads.worker.js': new URL('../../../dist/maskrcnn-wasm-threads.worker.js', import.meta.url).href,
  };
}

function baseUrl() {
  return globalThis.document?.baseURI ?? globalThis.location?.href;
}

/** The URLs of one build's files: the package's own, unless wasmPaths says otherwise (a base
 * URL for all, or a URL per file name). */
export function assetUrls(build, wasmPaths) {
  const spec = FLAVOURS[build];
  const files = [spec.glue, spec.wasm, spec.worker].filter(Boolean);
  const defaults = defaultAssetUrls();
  const urls = {};
  for (const file of files) {
    if (typeof wasmPaths === 'string') urls[file] = new URL(file, new URL(withSlash(wasmPaths), baseUrl())).href;
    else if (wasmPaths && typeof wasmPaths[file] === 'string') urls[file] = new URL(wasmPaths[file], baseUrl()).href;
    else urls[file] = defaults[file];
  }
  return urls;
}

const withSlash = (path) => (path.endsWith('/') ? path : `${path}/`);

export const browserPlatform = {
  chooseBackend({ threads, worker }) {
    if (!hasSimd()) {
      throw new Error('this browser lacks WebAssembly SIMD128, which maskrcnn-wasm needs (Chrome 91+, Firefox 89+, Safari 16.4+)');
    }
    const threadsPossible = hasThreads();
    if (threads === 'auto') {
      threads = threadsPossible ? Math.min(AUTO_THREAD_LIMIT, Math.max(1, navigator.hardwareConcurrency || 1)) : 1;
    } else if (threads > 1 && !threadsPossible) {
      const why = globalThis.crossOriginIsolated
        ? 'this browser lacks WebAssembly threads'
        : 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
      throw new Error(`load: threads: ${threads} is not possible here: ${why}; use threads: 1 or 'auto'`);
    }
    const canWork = typeof Worker === 'function';
    if (worker === true && !canWork) throw new Error('load: worker: true, but Worker is not available here');
    return { build: threads > 1 ? 'simd-threads' : 'simd', simd: true, threads, worker: worker ?? canWork };
  },

  engineArgs(backend, wasmPaths) {
    return { flavour: backend.build, urls: assetUrls(backend.build, wasmPaths), threads: backend.threads };
  },

  startEngine(backend) {
    if (!backend.worker) return new LocalEngine(loadBrowserEngine);
    const worker = new Worker(new URL('../engine/worker.js', import.meta.url), { type: 'module', name: 'maskrcnn-wasm' });
    return new RemoteEngine({
      post: (message, transfer) => worker.postMessage(message, transfer),
      onMessage: (handler) => { worker.onmessage = (event) => handler(event.data); },
      onError: (handler) => {
        worker.onerror = (event) => { event.preventDefault?.(); handler(event.message || 'the worker script could not run'); };
      },
      terminate: () => worker.terminate(),
      setBusy: () => {},
    });
  },

  /** A model from a URL (relative to the page), in parts as it downloads. */
  modelChunks(model, onProgress, signal) {
    const url = new URL(model, baseUrl()).href;
    return fetchChunks(url, { onProgress, signal, what: 'model' });
  },

  gunzip,

  pixels: pixelsFromSource,

  makeImageData(data, width, height) {
    return new ImageData(data, width, height);
  },
};
