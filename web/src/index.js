// maskrcnn-wasm in browsers (and any runtime without Node's modules): Mask R-CNN instance
// segmentation on WebAssembly SIMD, in a worker by default.
import { createLoad } from './api/load.js';
import { browserPlatform } from './platform/browser.js';

export { drawInstances } from './api/draw.js';
export { convert } from './api/convert-on-demand.js';

/** Starts the engine, loads a model, and resolves to a Segmenter (see index.d.ts). */
export const load = createLoad(browserPlatform);
