// A file in parts (a download's body, a file read in pieces) joined into one Uint8Array.

/** The parts as one Uint8Array (the part itself when there is only one). */
export function joinChunks(parts) {
  if (parts.length === 1) return parts[0];
  let length = 0;
  for (const p of parts) length += p.length;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return bytes;
}

/** Every part an (async) iterable gives, joined. With copy, each part is copied as it comes,
 * for a reader that reads the next part into the same buffer (fileChunks in platform/node.js). */
export async function concatChunks(chunks, { copy = false } = {}) {
  const parts = [];
  for await (const c of chunks) parts.push(copy ? c.slice() : c);
  return joinChunks(parts);
}
