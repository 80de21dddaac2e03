// RGBA pixels from what a page has: ImageData, <img>, <canvas>, OffscreenCanvas, <video>,
// ImageBitmap, VideoFrame, or a raw { data, width, height } buffer. Always a copy: the
// caller may draw on, reuse or close its source as soon as segment() returns.
import { checkImageSize, checkRgbaImage, isRawImage } from '../api/image.js';

const SUPPORTED = 'ImageData, HTMLImageElement, HTMLCanvasElement, OffscreenCanvas, HTMLVideoElement, ' +
  'ImageBitmap, VideoFrame or { data, width, height } with RGBA bytes';

const isA = (value, name) => typeof globalThis[name] === 'function' && value instanceof globalThis[name];

export function pixelsFromSource(source, what = 'segment') {
  if (isA(source, 'ImageData') || (isRawImage(source) && !isDrawable(source))) {
    const image = checkRgbaImage(source, what);
    return { ...image, data: image.data.slice() };
  }
  if (!isDrawable(source)) {
    throw new TypeError(`${what}: unsupported image source (${describe(source)}); expected ${SUPPORTED}`);
  }
  const [width, height] = drawableSize(source, what);
  checkImageSize(width, height, what);
  const canvas = typeof OffscreenCanvas === 'function'
    ? new OffscreenCanvas(width, height)
    : Object.assign(document.createElement('canvas'), { width, height });
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(source, 0, 0, width, height);
  const data = ctx.getImageData(0, 0, width, height).data;
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}

function isDrawable(source) {
  return ['HTMLImageElement', 'HTMLCanvasElement', 'OffscreenCanvas', 'HTMLVideoElement', 'ImageBitmap',
    'VideoFrame'].some((name) => isA(source, name));
}

/** The size at which the source shows its pixels, or an error when it has none yet. */
function drawableSize(source, what) {
  if (isA(source, 'HTMLImageElement')) {
    if (!source.complete || source.naturalWidth === 0) {
      throw new Error(`${what}: the image has not loaded (or failed to load): wait for its load event or await image.decode()`);
    }
    return [source.naturalWidth, source.naturalHeight];
  }
  if (isA(source, 'HTMLVideoElement')) {
    if (source.readyState < 2 || source.videoWidth === 0) {
      throw new Error(`${what}: the video has no frame yet: wait for its loadeddata event`);
    }
    return [source.videoWidth, source.videoHeight];
  }
  if (isA(source, 'VideoFrame')) return [source.displayWidth, source.displayHeight];
  return [source.width, source.height];
}

function describe(value) {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return value.constructor?.name ?? 'object';
}
