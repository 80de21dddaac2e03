// Downloads a URL into one Uint8Array, reporting progress as the body arrives.

/**
 * onProgress(loaded, total): total is the Content-Length, 0 when the server sends none, and
 * never less than loaded (a compressed transfer's length counts encoded bytes).
 * what names the download in error messages.
 */
export async function fetchBytes(url, { onProgress, signal, what = 'download' } = {}) {
  let response;
  try {
    response = await fetch(url, { signal, credentials: 'same-origin' });
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw new Error(`${what}: could not fetch ${url}: ${e.message}`);
  }
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${response.statusText} for ${url}`);
  const declared = Number(response.headers.get('content-length')) || 0;
  const chunks = [];
  let loaded = 0;
  onProgress?.(0, declared);
  try {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      onProgress?.(loaded, Math.max(declared, loaded));
    }
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw new Error(`${what}: the download of ${url} broke off after ${loaded} bytes: ${e.message}`);
  }
  if (declared && loaded < declared && !response.headers.get('content-encoding')) {
    throw new Error(`${what}: ${url} ended after ${loaded} of ${declared} bytes`);
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}
