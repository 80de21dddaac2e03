// gzip-compressed model files: the WebAssembly build has no zlib, so they are inflated in
// JavaScript (browsers: DecompressionStream; Node: its zlib, see platform/node.js).

/** How many first bytes tell a gzip file (its magic number). */
export const GZIP_MAGIC_BYTES = 2;

export function isGzip(bytes) {
  return bytes.length >= GZIP_MAGIC_BYTES && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export const GZIP_ERROR = 'model file: the gzip data is corrupt or truncated';

export async function gunzip(bytes) {
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`${GZIP_ERROR} (${e.message})`);
  }
}
