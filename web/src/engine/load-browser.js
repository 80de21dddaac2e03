// Instantiates a browser flavour (ES module glue) from asset URLs, on the calling thread
// (normally the engine's worker).
import { fetchBytes } from '../io/fetch-bytes.js';
import { Engine } from './engine.js';
import { FLAVOURS, pthreadWorkers } from './flavours.js';

/** urls: file name in dist/ -> absolute URL; onProgress({ type: 'wasm', loaded, total }). */
export async function loadBrowserEngine({ flavour, urls: given, threads, onProgress }) {
  const spec = FLAVOURS[flavour];
  if (!spec || flavour === 'node') throw new Error(`unknown browser flavour '${flavour}'`);
  const urls = await scriptsAsBlobs(given);
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
    ...(workerBesideGlue(spec, urls) ? {} : { locateFile: (file) => urls[file] ?? file }),
    mainScriptUrlOrBlob: urls[spec.glue],
  });
  return new Engine(m, spec.threaded ? threads : 1);
}

// Bundlers inline small assets as data: URLs (Vite: under 4 KB, as the pthread worker script).
// A worker started from a data: URL has an opaque origin and could not load the module; a
// blob: URL keeps this page's origin.
async function scriptsAsBlobs(urls) {
  const out = { ...urls };
  for (const [file, url] of Object.entries(urls)) {
    if (!file.endsWith('.js') || !url.startsWith('data:')) continue;
    const blob = await (await fetch(url)).blob();
    out[file] = URL.createObjectURL(new Blob([blob], { type: 'text/javascript' }));
  }
  return out;
}

// Without locateFile, the glue starts its pthread workers itself with
// new Worker(new URL('<worker script>', import.meta.url)): the same URL when the script sits
// beside the glue under its own name (no bundler, a CDN, Vite's dev server), and the form by
// which Vite's dev server knows it for a classic worker script (asked for by any other URL,
// Vite serves it rewritten as an ES module, which a classic worker cannot run). Bundles rename
// the files, so the glue is told where its worker script is.
function workerBesideGlue(spec, urls) {
  return Boolean(spec.worker) && urls[spec.worker] === new URL(spec.worker, urls[spec.glue]).href;
}
