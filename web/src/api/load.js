// load(): checks the options, chooses the build, starts the engine and fetches the model at
// the same time, and hands back a Segmenter. A platform (platform/browser.js, platform/node.js)
// supplies what differs between browsers and Node.
import { abortable, abortError } from './errors.js';
import { checkLoadOptions } from './options.js';
import { Segmenter } from './segmenter.js';
import { concatChunks, joinChunks } from '../io/chunks.js';
import { GZIP_MAGIC_BYTES, isGzip } from '../io/gzip.js';
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
    let model;
    try {
      const started = engine.init(platform.engineArgs(backend, o.wasmPaths), o.onProgress);
      model = readModel(platform, o, signal);
      const [{ threads }, { bytes, owned, chunks }] = await abortable(Promise.all([started, model]), signal, what);
      const loading = chunks ? engine.loadModelChunks(chunks) : engine.loadModel(bytes, owned);
      const labels = await abortable(loading, signal, what);
      return new Segmenter(engine, platform, labels, { ...backend, threads });
    } catch (e) {
      // A model still being read is let go (its file closed, its download cancelled).
      model?.then((m) => m.chunks?.return()).catch(() => {});
      await engine.dispose();
      throw e;
    }
  };
}

/**
 * The model: { bytes, owned } when it is in memory already (the caller's buffer, or a gzip
 * file inflated here), or { chunks } (an async iterator of its parts as they are read or
 * downloaded, which the engine places in its memory one at a time).
 */
async function readModel(platform, o, signal) {
  const progress = (loaded, total) => o.onProgress?.({ type: 'model', loaded, total });
  let bytes;
  if (o.model instanceof ArrayBuffer) {
    bytes = new Uint8Array(o.model);
  } else if (ArrayBuffer.isView(o.model)) {
    bytes = new Uint8Array(o.model.buffer, o.model.byteOffset, o.model.byteLength);
  } else {
    const stream = o.model === undefined ? openDefaultModel(platform, progress, signal)
                                         : openModel(platform, o.model, progress, signal);
    const { head, chunks } = await stream;
    // A gzip file is inflated whole (its inflated length is known only at its end); a file's
    // parts may share one buffer, so each is copied as it comes.
    if (isGzip(head)) {
      return { bytes: await platform.gunzip(await concatChunks(chunks, { copy: true })), owned: true };
    }
    return { chunks };
  }
  progress(bytes.length, bytes.length);
  if (isGzip(bytes)) return { bytes: await platform.gunzip(bytes), owned: true };
  return { bytes, owned: false };
}

async function openDefaultModel(platform, progress, signal) {
  try {
    return await openModel(platform, defaultModelUrl(), progress, signal);
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new Error(`load: the package's default model (models/default.safetensors) could not be read; pass load({ model }) (${e.message})`);
  }
}

/**
 * Opens a model URL or path and reads its first bytes (enough to tell gzip, and to surface a
 * missing file here): { head, chunks }, chunks giving every part from the first.
 */
async function openModel(platform, model, progress, signal) {
  const source = platform.modelChunks(model, progress, signal)[Symbol.asyncIterator]();
  const first = [];
  let length = 0;
  while (length < GZIP_MAGIC_BYTES) {
    const { done, value } = await source.next();
    if (done) break;
    first.push(value);
    length += value.length;
  }
  async function* chunks() {
    yield* first;
    for (;;) {
      const { done, value } = await source.next();
      if (done) return;
      yield value;
    }
  }
  return { head: joinChunks(first), chunks: chunks() };
}
