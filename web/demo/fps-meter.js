// Frames per second over the last few frames: steady enough to read, quick to follow changes.

export class FpsMeter {
  #times = [];
  #window;

  constructor(window = 10) {
    this.#window = window;
  }

  /** Records a frame at time now (ms). */
  tick(now = performance.now()) {
    this.#times.push(now);
    if (this.#times.length > this.#window) this.#times.shift();
  }

  /** Frames per second, 0 before two frames. */
  get fps() {
    const n = this.#times.length;
    if (n < 2) return 0;
    return ((n - 1) * 1000) / (this.#times[n - 1] - this.#times[0]);
  }

  reset() {
    this.#times = [];
  }
}
