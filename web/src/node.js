// maskrcnn-wasm in Node: the same API as in browsers, on RGBA buffers; the engine runs on the
// calling thread unless load({ worker: true }).
import { createLoad } from './api/load.js';
import { nodePlatform } from './platform/node.js';

export { drawInstances } from './api/draw.js';
export { convert } from './api/convert-on-demand.js';

/** Decodes a JPEG or PNG file to RGBA pixels (see node.d.ts); the decoders load when first
 * called, so a program that only segments does not hold them. */
export async function decodeImage(bytes, options) {
  const { decodeImage: run } = await import('./io/image/decode-image.js');
  return run(bytes, options);
}

/** Starts the engine, loads a model, and resolves to a Segmenter (see index.d.ts). */
export const load = createLoad(nodePlatform);
