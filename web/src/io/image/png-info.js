// The header (IHDR) of a PNG file, read before decoding, so that a file declaring an image that
// is too large or of a kind that would not decode as PIL's convert("RGB") does is refused
// before any large allocation.

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

// PNG colour types and the bit depths each allows.
const COLOR_TYPES = {
  0: { name: 'greyscale', depths: [1, 2, 4, 8, 16] },
  2: { name: 'RGB', depths: [8, 16] },
  3: { name: 'palette', depths: [1, 2, 4, 8] },
  4: { name: 'greyscale with alpha', depths: [8, 16] },
  6: { name: 'RGBA', depths: [8, 16] },
};

/** True when the bytes start with the PNG signature. */
export function isPng(bytes) {
  return bytes.length >= SIGNATURE.length && SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * { width, height, bitDepth, colorType, colorName, interlaced } from a PNG file's IHDR chunk.
 * Throws an Error that says what is wrong when it is missing, truncated or invalid.
 */
export function readPngInfo(bytes) {
  if (!isPng(bytes)) throw new Error('not a PNG file (no PNG signature)');
  if (bytes.length < 33) throw new Error('truncated PNG file: it ends inside the header chunk');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]);
  if (view.getUint32(8) !== 13 || type !== 'IHDR') throw new Error('malformed PNG file: the first chunk is not a 13-byte IHDR');
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const bitDepth = bytes[24];
  const colorType = bytes[25];
  const kind = COLOR_TYPES[colorType];
  if (!kind) throw new Error(`malformed PNG file: colour type ${colorType} does not exist`);
  if (!kind.depths.includes(bitDepth)) throw new Error(`malformed PNG file: ${kind.name} images cannot have ${bitDepth} bits per sample`);
  if (bytes[28] > 1) throw new Error(`malformed PNG file: interlace method ${bytes[28]} does not exist`);
  return { width, height, bitDepth, colorType, colorName: kind.name, interlaced: bytes[28] === 1 };
}
