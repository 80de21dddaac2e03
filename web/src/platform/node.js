// What load() needs in Node: the Node build (SIMD + threads), file paths of its assets, the
// engine on this thread or in a worker thread, model files from disk or a URL, RGBA buffers.
import { open } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

import { checkRgbaImage, isRawImage } from '../api/image.js';
import { FLAVOURS } from '../engine/flavours.js';
import { loadNodeEngine } from '../engine/load-node.js';
import { LocalEngine } from '../engine/local.js';
import { RemoteEngine } from '../engine/remote.js';
import { fetchChunks } from '../io/fetch-bytes.js';
import { GZIP_ERROR } from '../io/gzip.js';

const AUTO_THREAD_LIMIT = 8;
// A model file is read in parts of this size, each handed to the engine as it comes.
const FILE_CHUNK_BYTES = 1 << 20;
const inflate = promisify(gunzip);
const DIST = new URL('../../../dist/', import.meta.url);

/** File paths of the Node build's files: the package's own unless wasmPaths says otherwise
 * (a directory for all, or a path per file name). */
export function assetPaths(wasmPaths) {
  const spec = FLAVOURS.node;
  const paths = {};
  for (const file of [spec.glue, spec.wasm]) {
    if (typeof wasmPaths === 'string') paths[file] = resolve(toPath(wasmPaths), file);
    else if (wasmPaths && typeof wasmPaths[file] === 'string') paths[file] = resolve(toPath(wasmPaths[file]));
    else paths[file] = fileURLToPath(new URL(file, DIST));
  }
  return paths;
}

const toPath = (p) => (p.startsWith('file:') ? fileURLToPath(p) : p);

export const nodePlatform = {
  chooseBackend({ threads, worker = false }) {
    if (threads === 'auto') {
      const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
      threads = Math.min(AUTO_THREAD_LIMIT, Math.max(1, cores));
    }
    return { build: 'node', simd: true, threads, worker };
  },

  engineArgs(backend, wasmPaths) {
    return { paths: assetPaths(wasmPaths), threads: backend.threads };
  },

  startEngine(backend) {
    if (!backend.worker) return new LocalEngine(loadNodeEngine);
    const worker = new Worker(new URL('../engine/node-worker.js', import.meta.url));
    return new RemoteEngine({
      post: (message, transfer) => worker.postMessage(message, transfer),
      onMessage: (handler) => worker.on('message', handler),
      onError: (handler) => {
        worker.on('error', (e) => handler(e.message));
        worker.on('exit', (code) => handler(`the worker thread exited (code ${code})`));
      },
      terminate: () => { worker.terminate(); },
      // An idle worker lets the process end; a call in flight keeps it alive.
      setBusy: (busy) => (busy ? worker.ref() : worker.unref()),
    });
  },

  /**
   * A model from an http(s) URL, a file: URL or a file path, in parts as it is read (never
   * whole in memory here: the engine places each part in its own memory).
   */
  modelChunks(model, onProgress, signal) {
    const text = String(model);
    if (/^https?:/i.test(text)) return fetchChunks(text, { onProgress, signal, what: 'model' });
    const path = text.startsWith('file:') ? fileURLToPath(text) : text;
    return fileChunks(isAbsolute(path) ? path : resolve(path), path, onProgress, signal);
  },

  /** zlib, on libuv's threads: this thread stays free while a large model inflates. */
  async gunzip(bytes) {
    try {
      const out = await inflate(bytes);
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    } catch (e) {
      throw new Error(`${GZIP_ERROR} (${e.message})`);
    }
  },

  pixels(source, what = 'segment') {
    if (!isRawImage(source)) {
      throw new TypeError(`${what}: unsupported image source in Node; pass { data, width, height } with RGBA bytes (data: Uint8Array, Uint8ClampedArray or Buffer)`);
    }
    const image = checkRgbaImage(source, what);
    return { ...image, data: image.data.slice() };
  },

  /** An ImageData where the runtime has one, else an object of the same shape. */
  makeImageData(data, width, height) {
    if (typeof ImageData === 'function') return new ImageData(data, width, height);
    return { data, width, height, colorSpace: 'srgb' };
  },
};

/** A file's bytes in parts of FILE_CHUNK_BYTES; errors name the path as the caller gave it. A
 * part is good until the next one is asked for: the next is read into the same buffer unless
 * the consumer took that buffer over (the engine worker's transfer detaches it), so a model
 * read in the calling thread leaves no megabytes of parts for the collector. */
async function* fileChunks(path, shown, onProgress, signal) {
  const fail = (e) => {
    if (signal?.aborted) return signal.reason;
    return new Error(`model: could not read ${shown}: ${e.message}`);
  };
  let file;
  let size;
  try {
    file = await open(path, 'r');
    size = (await file.stat()).size;
  } catch (e) {
    await file?.close();
    throw fail(e);
  }
  try {
    let loaded = 0;
    let chunk = null;
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      if (!chunk || chunk.buffer.byteLength === 0) chunk = new Uint8Array(FILE_CHUNK_BYTES);
      let read;
      try {
        ({ bytesRead: read } = await file.read(chunk, 0, chunk.length, null));
      } catch (e) {
        throw fail(e);
      }
      if (read === 0) break;
      loaded += read;
      onProgress(loaded, Math.max(size, loaded));
      yield read === chunk.length ? chunk : chunk.slice(0, read);
    }
    if (loaded === 0) onProgress(0, 0);
  } finally {
    await file.close();
  }
}
