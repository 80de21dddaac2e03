// gzip-compressed model files: the WebAssembly build has no zlib, so they are inflated in
// JavaScript (browsers: DecompressionStream; Node: its zlib, see platform/node.js).

export function isGzip(bytes) {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
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
