// maskrcnn-wasm in Node: the same API as in browsers, on RGBA buffers; the engine runs on the
// calling thread unless load({ worker: true }).
import { createLoad } from './api/load.js';
import { nodePlatform } from './platform/node.js';

export { drawInstances } from './api/draw.js';
export { convert } from './convert/convert.js';
export { decodeImage } from './io/image/decode-image.js';

/** Starts the engine, loads a model, and resolves to a Segmenter (see index.d.ts). */
export const load = createLoad(nodePlatform);
