// Instantiates a browser flavour (ES module glue) from asset URLs, on the calling thread
// (normally the engine's worker).
import { fetchBytes } from '../io/fetch-bytes.js';
import { Engine } from './engine.js';
import { FLAVOURS, pthreadWorkers } from './flavours.js';

/** urls: file name in dist/ -> absolute URL; onProgress({ type: 'wasm', loaded, total }). */
export async function loadBrowserEngine({ flavour, urls, threads, onProgress }) {
  const spec = FLAVOURS[flavour];
  if (!spec || flavour === 'node') throw new Error(`unknown browser flavour '${flavour}'`);
  const wasmBinary = await fetchBytes(urls[spec.wasm], {
    what: 'WebAssembly module',
    onProgress: (loaded, total) => onProgress?.({ type: 'wasm', loaded, total }),
  });
  let factory;
  try {
    // Loaded by URL, not bundled: the pthread workers import the same file again by URL.
    ({ default: factory } = await import(/* @vite-ignore */ /* webpackIgnore: true */ urls[spec.glue]));
  } catch (e) {
    throw new Error(`could not import the module script ${urls[spec.glue]}: ${e.message}`);
  }
  const m = await factory({
    wasmBinary,
    maskrcnnWorkers: spec.threaded ? pthreadWorkers(threads) : 0,
    locateFile: (file) => urls[file] ?? file,
    mainScriptUrlOrBlob: urls[spec.glue],
  });
  return new Engine(m, spec.threaded ? threads : 1);
}
