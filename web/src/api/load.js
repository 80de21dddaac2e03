// load(): checks the options, chooses the build, starts the engine and fetches the model at
// the same time, and hands back a Segmenter. A platform (platform/browser.js, platform/node.js)
// supplies what differs between browsers and Node.
import { abortable, abortError } from './errors.js';
import { checkLoadOptions } from './options.js';
import { Segmenter } from './segmenter.js';
import { isGzip } from '../io/gzip.js';
import { defaultModelUrl } from './default-model.js';

export function createLoad(platform) {
  return async function load(options) {
    const o = checkLoadOptions(options);
    const signal = o.signal;
    const what = 'model load';
    if (signal?.aborted) throw abortError(what);
    // backend: { build, threads, worker, simd }; throws when the request cannot be met.
    const backend = platform.chooseBackend(o);
    const engine = platform.startEngine(backend);
    try {
      const started = engine.init(platform.engineArgs(backend, o.wasmPaths), o.onProgress);
      const model = readModel(platform, o, signal);
      const [{ threads }, { bytes, owned }] = await abortable(Promise.all([started, model]), signal, what);
      const labels = await abortable(engine.loadModel(bytes, owned), signal, what);
      return new Segmenter(engine, platform, labels, { ...backend, threads });
    } catch (e) {
      await engine.dispose();
      throw e;
    }
  };
}

/** The model's uncompressed bytes, and whether they are ours (downloaded or inflated). */
async function readModel(platform, o, signal) {
  const progress = (loaded, total) => o.onProgress?.({ type: 'model', loaded, total });
  let bytes;
  let owned = true;
  if (o.model instanceof ArrayBuffer) {
    bytes = new Uint8Array(o.model);
    owned = false;
  } else if (ArrayBuffer.isView(o.model)) {
    bytes = new Uint8Array(o.model.buffer, o.model.byteOffset, o.model.byteLength);
    owned = false;
  } else if (o.model === undefined) {
    try {
      bytes = await platform.readModelUrl(defaultModelUrl(), progress, signal);
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new Error(`load: the package's default model (models/default.safetensors) could not be read; pass load({ model }) (${e.message})`);
    }
  } else {
    bytes = await platform.readModelUrl(o.model, progress, signal);
  }
  if (!owned) progress(bytes.length, bytes.length);
  if (isGzip(bytes)) return { bytes: await platform.gunzip(bytes), owned: true };
  return { bytes, owned };
}
