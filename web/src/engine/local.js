// The engine on the calling thread, behind the same asynchronous interface as RemoteEngine.
import { abortError } from '../api/errors.js';

export class LocalEngine {
  #loadEngine;
  #engine = null;
  #disposed = false;

  /** loadEngine(args) resolves to an Engine (load-browser.js or load-node.js). */
  constructor(loadEngine) {
    this.#loadEngine = loadEngine;
  }

  async init(args, onProgress) {
    const engine = await this.#loadEngine({ ...args, onProgress });
    if (this.#disposed) {
      engine.dispose();
      throw abortError('model load');
    }
    this.#engine = engine;
    return { threads: engine.threads };
  }

  async loadModel(bytes) { return this.#live().loadModel(bytes); }

  /** A model file from an async iterable of its parts (see Engine.beginModel). */
  async loadModelChunks(chunks) {
    this.#live().beginModel();
    for await (const part of chunks) this.#live().writeModel(part);
    return this.#live().finishModel();
  }

  async segment(image, options) {
    return this.#live().segment(image.data, image.width, image.height, options);
  }

  async memory() { return this.#live().memory(); }

  async dispose() {
    this.#disposed = true;
    this.#engine?.dispose();
    this.#engine = null;
  }

  #live() {
    if (!this.#engine) throw new Error('the engine is not running');
    return this.#engine;
  }
}
