// An instance's box-local binary mask, with a helper that paints it into RGBA pixels.

// Soft edges: opacity follows the mask probability, none at or below SOFT_LOW, full at or
// above SOFT_HIGH (a band around torchvision's 0.5 mask threshold, so the edge that the binary
// mask cuts hard fades over the pixels where the model is unsure).
const SOFT_LOW = 0.25;
const SOFT_HIGH = 0.75;

export class InstanceMask {
  #imageWidth;
  #imageHeight;
  #makeImageData;

  /** plain: { x, y, width, height, data, rle?, probabilities? } from the engine. */
  constructor(plain, imageWidth, imageHeight, makeImageData) {
    Object.assign(this, plain);
    this.#imageWidth = imageWidth;
    this.#imageHeight = imageHeight;
    this.#makeImageData = makeImageData;
  }

  /**
   * RGBA pixels: color where the mask is set, transparent black elsewhere; box-sized, or the
   * whole image's size with the mask at its place (fullFrame). soft: the alpha follows the
   * mask probability (needs segment(..., { probabilities: true })).
   */
  toImageData({ color = [255, 255, 255, 255], fullFrame = false, soft = false } = {}) {
    if (!Array.isArray(color) || color.length !== 4 || !color.every((c) => Number.isInteger(c) && c >= 0 && c <= 255)) {
      throw new TypeError('toImageData: color must be [r, g, b, a] with whole numbers from 0 to 255');
    }
    const probabilities = soft ? this.probabilities : null;
    if (soft && !(probabilities instanceof Float32Array && probabilities.length === this.width * this.height)) {
      throw new TypeError('toImageData: soft edges need the mask probabilities: segment(source, { probabilities: true })');
    }
    const width = fullFrame ? this.#imageWidth : this.width;
    const height = fullFrame ? this.#imageHeight : this.height;
    const dx = fullFrame ? this.x : 0;
    const dy = fullFrame ? this.y : 0;
    const out = new Uint8ClampedArray(width * height * 4);
    for (let j = 0; j < this.height; j++) {
      const y = j + dy;
      if (y < 0 || y >= height) continue;
      for (let i = 0; i < this.width; i++) {
        const x = i + dx;
        if (x < 0 || x >= width) continue;
        const at = (y * width + x) * 4;
        if (probabilities) {
          const p = probabilities[j * this.width + i];
          const weight = Math.min(1, Math.max(0, (p - SOFT_LOW) / (SOFT_HIGH - SOFT_LOW)));
          if (weight === 0) continue;
          out.set(color, at);
          out[at + 3] = Math.round(color[3] * weight);
        } else if (this.data[j * this.width + i]) {
          out.set(color, at);
        }
      }
    }
    return this.#makeImageData(out, width, height);
  }
}
