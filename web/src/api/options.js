// Checks of the options that load() and segment() take; each failure names the option.

// MRW_MAX_THREADS of the C API: the engine refuses to start if its module says otherwise.
export const MAX_THREADS = 64;

export function checkLoadOptions(options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('load: expected an options object, as in load({ model: "model.safetensors" })');
  }
  const { model, threads = 'auto', worker, wasmPaths, onProgress, signal } = options;
  const isBytes = model instanceof ArrayBuffer || ArrayBuffer.isView(model);
  if (!(model === undefined || typeof model === 'string' || model instanceof URL || isBytes)) {
    throw new TypeError('load: model must be a URL (string or URL) or the file\'s bytes (ArrayBuffer or Uint8Array), or left out for the package\'s default model');
  }
  if (typeof model === 'string' && model.length === 0) throw new TypeError('load: model is an empty string');
  if (isBytes && model.byteLength === 0) throw new Error('load: the model bytes are empty');
  if (threads !== 'auto' && !(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
    throw new RangeError(`load: threads must be 'auto' or a whole number from 1 to ${MAX_THREADS}, not ${String(threads)}`);
  }
  if (worker !== undefined && typeof worker !== 'boolean') throw new TypeError('load: worker must be true or false');
  if (wasmPaths !== undefined && typeof wasmPaths !== 'string' && (wasmPaths === null || typeof wasmPaths !== 'object')) {
    throw new TypeError('load: wasmPaths must be a base URL string or an object mapping file names to URLs');
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('load: onProgress must be a function');
  if (signal !== undefined && !(signal && typeof signal.aborted === 'boolean' && typeof signal.addEventListener === 'function')) {
    throw new TypeError('load: signal must be an AbortSignal');
  }
  return { model, threads, worker, wasmPaths, onProgress, signal };
}

/** The engine's options: negative thresholds mean the model's own defaults. */
export function checkSegmentOptions(options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('segment: options must be an object');
  const { scoreThreshold, maxInstances, maskThreshold, rle = false, probabilities = false, signal } = options;
  if (scoreThreshold !== undefined && !(typeof scoreThreshold === 'number' && scoreThreshold >= 0 && scoreThreshold <= 1)) {
    throw new RangeError(`segment: scoreThreshold must be a number from 0 to 1, not ${String(scoreThreshold)}`);
  }
  if (maskThreshold !== undefined && !(typeof maskThreshold === 'number' && maskThreshold >= 0 && maskThreshold < 1)) {
    throw new RangeError(`segment: maskThreshold must be a number from 0 to less than 1, not ${String(maskThreshold)}`);
  }
  if (maxInstances !== undefined && !(Number.isInteger(maxInstances) && maxInstances >= 0 && maxInstances <= 100000)) {
    throw new RangeError(`segment: maxInstances must be a whole number >= 0, not ${String(maxInstances)}`);
  }
  if (signal !== undefined && !(signal && typeof signal.aborted === 'boolean')) throw new TypeError('segment: signal must be an AbortSignal');
  return {
    engine: { scoreThreshold: scoreThreshold ?? -1, maxInstances: maxInstances ?? -1,
              maskThreshold: maskThreshold ?? -1, rle: Boolean(rle), probabilities: Boolean(probabilities) },
    signal,
  };
}
