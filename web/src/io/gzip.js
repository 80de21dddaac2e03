// gzip-compressed model files: the WebAssembly build has no zlib, so they are inflated here
// (DecompressionStream exists in browsers and in Node 18+).

export function isGzip(bytes) {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export async function gunzip(bytes) {
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`model file: the gzip data is corrupt or truncated (${e.message})`);
  }
}
