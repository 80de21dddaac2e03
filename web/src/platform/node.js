// What load() needs in Node: the Node build (SIMD + threads), file paths of its assets, the
// engine on this thread or in a worker thread, model files from disk or a URL, RGBA buffers.
import { readFile } from 'node:fs/promises';
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
import { fetchBytes } from '../io/fetch-bytes.js';
import { GZIP_ERROR } from '../io/gzip.js';

const AUTO_THREAD_LIMIT = 8;
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

  /** A model from an http(s) URL, a file: URL or a file path. */
  async readModelUrl(model, onProgress, signal) {
    const text = String(model);
    if (/^https?:/i.test(text)) return fetchBytes(text, { onProgress, signal, what: 'model' });
    const path = text.startsWith('file:') ? fileURLToPath(text) : text;
    let bytes;
    try {
      bytes = await readFile(isAbsolute(path) ? path : resolve(path), { signal });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new Error(`model: could not read ${path}: ${e.message}`);
    }
    onProgress(bytes.length, bytes.length);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
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
