// Downloads a URL as the body arrives: in parts (fetchChunks), or into one Uint8Array
// (fetchBytes), reporting progress as it goes.
import { concatChunks } from './chunks.js';

/**
 * The body's parts, in order, each a Uint8Array of its own. onProgress(loaded, total): total
 * is the Content-Length, 0 when the server sends none, and never less than loaded (a
 * compressed transfer's length counts encoded bytes). what names the download in error
 * messages.
 */
export async function* fetchChunks(url, { onProgress, signal, what = 'download' } = {}) {
  let response;
  try {
    response = await fetch(url, { signal, credentials: 'same-origin' });
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw new Error(`${what}: could not fetch ${url}: ${e.message}`);
  }
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${response.statusText} for ${url}`);
  const declared = Number(response.headers.get('content-length')) || 0;
  let loaded = 0;
  onProgress?.(0, declared);
  const reader = response.body.getReader();
  let finished = false;
  try {
    for (;;) {
      let part;
      try {
        part = await reader.read();
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        throw new Error(`${what}: the download of ${url} broke off after ${loaded} bytes: ${e.message}`);
      }
      if (part.done) {
        finished = true;
        break;
      }
      loaded += part.value.length;
      onProgress?.(loaded, Math.max(declared, loaded));
      yield part.value;
    }
  } finally {
    // A reader that stops early (an error, an abort) lets the rest of the body go.
    if (!finished) reader.cancel().catch(() => {});
  }
  if (declared && loaded < declared && !response.headers.get('content-encoding')) {
    throw new Error(`${what}: ${url} ended after ${loaded} of ${declared} bytes`);
  }
}

/** The whole body as one Uint8Array (options as fetchChunks). */
export async function fetchBytes(url, options = {}) {
  return concatChunks(fetchChunks(url, options));
}
