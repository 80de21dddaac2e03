// Image files to RGBA pixels in Node, as PIL's Image.open(...).convert("RGB") gives them (what
// torchvision users feed their models): JPEG through libjpeg-turbo's decoder, PNG through
// pngjs, alpha kept as the fourth channel and never composited. Headers are read first, so a
// file declaring a huge, empty or unsupported image is refused before anything large is made.
import pngjs from 'pngjs';

import { MAX_IMAGE_SIDE } from '../../api/image.js';
import { decodeJpeg } from './decode-jpeg.js';
import { isJpeg, readJpegInfo } from './jpeg-info.js';
import { isPng, readPngInfo } from './png-info.js';

function checkSize(kind, width, height) {
  if (width === 0 || height === 0) throw new Error(`${kind} file declares an empty image (${width}x${height} pixels)`);
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    throw new Error(`${kind} file declares a ${width}x${height} image; the largest side accepted is ${MAX_IMAGE_SIDE} pixels`);
  }
}

function checkJpeg(bytes) {
  const info = readJpegInfo(bytes);
  checkSize('JPEG', info.width, info.height);
  if (info.precision !== 8) throw new Error(`${info.precision}-bit JPEG files are not supported (8 bits per sample only)`);
  if (info.process === 'lossless') throw new Error('lossless JPEG files are not supported');
  if (info.components !== 1 && info.components !== 3) {
    const what = info.components === 4 ? 'CMYK (4-component)' : `${info.components}-component`;
    throw new Error(`${what} JPEG files are not supported: RGB and greyscale only`);
  }
}

function checkPng(bytes) {
  const info = readPngInfo(bytes);
  checkSize('PNG', info.width, info.height);
  // PIL reads 16-bit colour as its high bytes and 16-bit grey as 32-bit integers that
  // convert("RGB") clips: no RGB image of ours would equal that, so such files are refused.
  if (info.bitDepth === 16) {
    throw new Error(`16-bit PNG files (${info.colorName}) are not supported: save the image with 8 bits per channel`);
  }
}

function decodePng(bytes) {
  let png;
  try {
    png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  } catch (e) {
    throw new Error(`corrupt PNG file: ${e.message}`);
  }
  return { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), width: png.width, height: png.height };
}

/**
 * { data: RGBA Uint8Array, width, height } of a PNG or JPEG file's bytes (told apart by their
 * content). Greyscale is spread to R, G and B; alpha (PNG) is the fourth channel, opaque where
 * the file has none. applyOrientation: turn a JPEG as its EXIF orientation tag says (off by
 * default, as in PIL's Image.open). Throws an Error that names the problem.
 */
export async function decodeImage(bytes, { applyOrientation = false } = {}) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeImage: bytes must be a Uint8Array or Buffer');
  if (isPng(bytes)) {
    checkPng(bytes);
    return decodePng(bytes);
  }
  if (isJpeg(bytes)) {
    checkJpeg(bytes);
    return decodeJpeg(bytes, { applyOrientation });
  }
  throw new Error(bytes.length === 0 ? 'empty file' : 'not a PNG or JPEG file');
}
