// maskrcnn-wasm in Node (web/src/node.js): everything of the browser entry point, plus image
// file decoding.
import type { RgbaImage } from './index.js';

export * from './index.js';

export interface DecodeImageOptions {
  /**
   * Turn a JPEG as its EXIF orientation tag says (as PIL's ImageOps.exif_transpose does).
   * Default false: the stored pixels, as PIL's Image.open gives them to torchvision users.
   */
  applyOrientation?: boolean;
}

/**
 * Decodes a PNG or JPEG file's bytes (told apart by content) to RGBA pixels equal to PIL's
 * `Image.open(file).convert("RGB")`: JPEG as libjpeg-turbo decodes it, greyscale spread to RGB,
 * PNG alpha kept as the fourth channel (never composited). Rejects with an Error naming the
 * problem for truncated or corrupt files, images larger than 16384 pixels a side, CMYK or
 * 12-bit JPEGs and 16-bit PNGs.
 */
export function decodeImage(bytes: Uint8Array, options?: DecodeImageOptions): Promise<RgbaImage & { data: Uint8Array }>;
