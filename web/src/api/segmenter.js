// The Segmenter that load() returns: one engine (in this thread or in a worker), calls run
// one at a time in call order, results as plain data.
import { abortError, disposedError } from './errors.js';
import { InstanceMask } from './mask.js';
import { checkSegmentOptions } from './options.js';

export class Segmenter {
  #engine;
  #platform;
  #labels;
  #backend;
  #disposed = false;
  #jobs = [];          // waiting segment calls, in call order
  #running = false;
  #latestNext = null;  // the newest segmentLatest frame not started yet
  #latestBusy = false;

  /** engine: LocalEngine or RemoteEngine; platform: pixels(source), makeImageData(). */
  constructor(engine, platform, labels, backend) {
    this.#engine = engine;
    this.#platform = platform;
    this.#labels = Object.freeze([...labels]);
    this.#backend = Object.freeze({ ...backend });
  }

  /** Class names by label (0 = background). */
  get labels() { return this.#labels; }

  /** What runs: { simd, threads, worker, build }. */
  get backend() { return this.#backend; }

  async segment(source, options) {
    const { image, engineOptions, signal } = this.#prepare('segment', source, options);
    return this.#enqueue(image, engineOptions, signal);
  }

  /** Like segment, for live video: one frame in flight and at most one waiting; a newer frame
   * replaces the waiting one, whose promise resolves to null. */
  async segmentLatest(source, options) {
    const { image, engineOptions, signal } = this.#prepare('segmentLatest', source, options);
    const frame = new Promise((resolve, reject) => {
      this.#latestNext?.resolve(null);
      this.#latestNext = { image, engineOptions, signal, resolve, reject };
    });
    this.#pumpLatest();
    return frame;
  }

  /** Bytes of WebAssembly memory the engine holds now. */
  async wasmMemoryBytes() {
    this.#checkAlive('wasmMemoryBytes');
    return (await this.#engine.memory()).wasmMemoryBytes;
  }

  /** The engine's memory now: { wasmMemoryBytes, allocatedBytes }. */
  async memoryUsage() {
    this.#checkAlive('memoryUsage');
    return this.#engine.memory();
  }

  /** Frees the engine (and its worker and threads). Waiting calls reject; a waiting
   * segmentLatest frame resolves to null. Calling it again does nothing. */
  async dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#latestNext?.resolve(null);
    this.#latestNext = null;
    for (const job of this.#jobs.splice(0)) job.reject(disposedError('segment'));
    await this.#engine.dispose();
  }

  #checkAlive(what) {
    if (this.#disposed) throw disposedError(what);
  }

  // Validates and copies the pixels now: the caller may reuse its buffer or move its video on.
  #prepare(what, source, options) {
    this.#checkAlive(what);
    const { engine: engineOptions, signal } = checkSegmentOptions(options);
    if (signal?.aborted) throw abortError(what);
    const image = this.#platform.pixels(source, what);
    return { image, engineOptions, signal };
  }

  #enqueue(image, engineOptions, signal) {
    return new Promise((resolve, reject) => {
      this.#jobs.push({ image, engineOptions, signal, resolve, reject });
      this.#pump();
    });
  }

  async #pump() {
    if (this.#running) return;
    this.#running = true;
    while (this.#jobs.length > 0) {
      const job = this.#jobs.shift();
      if (job.signal?.aborted) {
        job.reject(abortError('segment'));
        continue;
      }
      try {
        job.resolve(this.#wrap(await this.#engine.segment(job.image, job.engineOptions)));
      } catch (e) {
        job.reject(this.#disposed ? disposedError('segment') : e);
      }
    }
    this.#running = false;
  }

  async #pumpLatest() {
    if (this.#latestBusy) return;
    this.#latestBusy = true;
    while (this.#latestNext) {
      const frame = this.#latestNext;
      this.#latestNext = null;
      try {
        frame.resolve(await this.#enqueue(frame.image, frame.engineOptions, frame.signal));
      } catch (e) {
        frame.reject(e);
      }
    }
    this.#latestBusy = false;
  }

  #wrap(result) {
    const { width, height } = result;
    const make = this.#platform.makeImageData;
    for (const instance of result.instances) {
      instance.mask = new InstanceMask(instance.mask, width, height, make);
    }
    return result;
  }
}
