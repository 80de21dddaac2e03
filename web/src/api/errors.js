// Errors the API throws for misuse that the engine never sees.

/** What an aborted operation rejects with: an Error named AbortError, as fetch's. */
export function abortError(what) {
  const e = new Error(`${what} aborted`);
  e.name = 'AbortError';
  return e;
}

export function disposedError(what) {
  return new Error(`${what}: this segmenter has been disposed (load a new one)`);
}

/** Rejects with abortError(what) as soon as signal aborts, else settles as promise does. */
export function abortable(promise, signal, what) {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {}); // settles later, unobserved
    return Promise.reject(abortError(what));
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError(what));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
