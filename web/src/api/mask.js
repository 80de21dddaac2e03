// An instance's box-local binary mask, with a helper that paints it into RGBA pixels.

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
   * whole image's size with the mask at its place (fullFrame).
   */
  toImageData({ color = [255, 255, 255, 255], fullFrame = false } = {}) {
    if (!Array.isArray(color) || color.length !== 4 || !color.every((c) => Number.isInteger(c) && c >= 0 && c <= 255)) {
      throw new TypeError('toImageData: color must be [r, g, b, a] with whole numbers from 0 to 255');
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
        if (x < 0 || x >= width || !this.data[j * this.width + i]) continue;
        out.set(color, (y * width + x) * 4);
      }
    }
    return this.#makeImageData(out, width, height);
  }
}
