// Instantiates the Node flavour (CommonJS glue in dist/node/) from file paths.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

import { Engine } from './engine.js';
import { FLAVOURS, pthreadWorkers } from './flavours.js';

const require = createRequire(import.meta.url);

/** paths: file name in dist/ -> file path; onProgress({ type: 'wasm', loaded, total }). */
export async function loadNodeEngine({ paths, threads, onProgress }) {
  const spec = FLAVOURS.node;
  let wasmBinary;
  try {
    wasmBinary = await readFile(paths[spec.wasm]);
  } catch (e) {
    throw new Error(`could not read the WebAssembly module: ${e.message}`);
  }
  onProgress?.({ type: 'wasm', loaded: wasmBinary.length, total: wasmBinary.length });
  const factory = require(paths[spec.glue]);
  // Given the bytes, the glue neither fetches nor reads the .wasm itself (its fetch path
  // fails under Node 20).
  const m = await factory({ wasmBinary, maskrcnnWorkers: pthreadWorkers(threads) });
  const engine = new Engine(m, threads);
  // Idle pthread workers must not keep the process alive when the caller is done.
  for (const w of [...m.PThread.unusedWorkers, ...m.PThread.runningWorkers]) w.unref();
  return engine;
}
