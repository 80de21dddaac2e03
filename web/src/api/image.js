// Raw RGBA images ({ data, width, height }): the one kind of pixels the engine takes.

// MRW_MAX_IMAGE_SIDE of the C API: the engine refuses to start if its module says otherwise.
export const MAX_IMAGE_SIDE = 16384;

export function checkImageSize(width, height, what = 'segment') {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1 &&
        width <= MAX_IMAGE_SIDE && height <= MAX_IMAGE_SIDE)) {
    throw new RangeError(`${what}: image size ${String(width)}x${String(height)} is not allowed: width and height must be whole numbers from 1 to ${MAX_IMAGE_SIDE}`);
  }
}

/** Checks an RGBA image's size and buffer and returns { data: Uint8Array, width, height }. */
export function checkRgbaImage(image, what = 'segment') {
  const { data, width, height } = image;
  checkImageSize(width, height, what);
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw new TypeError(`${what}: image data must be a Uint8Array or Uint8ClampedArray of RGBA bytes`);
  }
  const expected = width * height * 4;
  if (data.length !== expected) {
    throw new RangeError(`${what}: the pixel buffer has ${data.length} bytes; a ${width}x${height} RGBA image needs ${expected}`);
  }
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}

/** True for an object shaped like { data, width, height } (ImageData included). */
export function isRawImage(source) {
  return source !== null && typeof source === 'object' && 'data' in source && 'width' in source && 'height' in source;
}
