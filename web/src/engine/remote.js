// The engine in a worker, seen from the thread that created it. The worker runs serveEngine
// (serve.js); each call is a message { id, op, args } answered by { id, ok, value | error }.

/**
 * port: { post(message, transfer), onMessage(handler), onError(handler), terminate(),
 *         setBusy(busy) } over a browser Worker or a Node worker_threads Worker.
 */
export class RemoteEngine {
  #port;
  #pending = new Map();
  #nextId = 1;
  #failure = null;
  #onProgress = null;

  constructor(port) {
    this.#port = port;
    port.onMessage((message) => this.#receive(message));
    port.onError((text) => this.#fail(new Error(`the engine worker failed: ${text}`)));
  }

  async init(args, onProgress) {
    this.#onProgress = onProgress;
    return this.#call('init', args);
  }

  // owned: the bytes are ours to hand over (moved, not copied); a caller's buffer is copied.
  async loadModel(bytes, owned = false) {
    const whole = owned && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    return this.#call('loadModel', { bytes }, whole ? [bytes.buffer] : []);
  }

  /**
   * A model file from an async iterable of its parts, each handed over to the worker as it
   * comes (see Engine.beginModel), with at most PARTS_IN_FLIGHT on their way: reading waits for
   * the worker, so parts never pile up in memory.
   */
  async loadModelChunks(chunks) {
    const inFlight = [];
    const send = (op, args, transfer) => {
      const call = this.#call(op, args, transfer);
      call.catch(() => {});  // awaited below; a worker that fails rejects every call at once
      inFlight.push(call);
    };
    send('beginModel', {}, []);
    for await (const part of chunks) {
      // A part that is all of its buffer is ours to move; one inside a larger buffer is copied.
      const whole = part.byteOffset === 0 && part.byteLength === part.buffer.byteLength;
      send('writeModel', { part }, whole ? [part.buffer] : []);
      if (inFlight.length > PARTS_IN_FLIGHT) await inFlight.shift();
    }
    await Promise.all(inFlight);
    return this.#call('finishModel', {});
  }

  async segment(image, options) {
    return this.#call('segment', { ...image, options }, [image.data.buffer]);
  }

  async memory() { return this.#call('memory', {}); }

  async dispose() {
    if (this.#failure) return;
    // Free the engine first when the worker is idle (its threads end cleanly); a busy worker
    // is cut off at once.
    if (this.#pending.size === 0) {
      await Promise.race([this.#call('dispose', {}).catch(() => {}), delay(1000)]);
    }
    this.#fail(new Error('the segmenter was disposed'));
  }

  #call(op, args, transfer = []) {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#port.setBusy(true);
      this.#port.post({ id, op, args }, transfer);
    });
  }

  #receive(message) {
    if (message.op === 'progress') {
      this.#onProgress?.(message.event);
      return;
    }
    const call = this.#pending.get(message.id);
    if (!call) return;
    this.#pending.delete(message.id);
    if (this.#pending.size === 0) this.#port.setBusy(false);
    if (message.ok) call.resolve(message.value);
    else call.reject(new Error(message.error));
  }

  #fail(error) {
    if (this.#failure) return;
    this.#failure = error;
    this.#port.terminate();
    for (const call of this.#pending.values()) call.reject(error);
    this.#pending.clear();
  }
}

const PARTS_IN_FLIGHT = 4;

const delay = (ms) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  timer.unref?.();
});
