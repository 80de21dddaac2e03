// JPEG decoding exactly as libjpeg-turbo does it, the decoder behind PIL (what torchvision users
// feed their models) and behind Chromium: the package's Node paths use it so that a JPEG file
// gives the same pixels, and so the same detections, as it does there.
//
// The decoder is @jsquash/jpeg: libjpeg-turbo's decoder (as kept in MozJPEG, whose changes are
// to the encoder) compiled to WebAssembly. It needs no native binary, so it installs wherever
// Node runs; its output equals PIL's bit for bit (wasm-tests/image-decode.test.js).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const GLUE = '@jsquash/jpeg/codec/dec/mozjpeg_dec.js';
const WASM = '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm';

// libjpeg's warning for a file that ends before its image data does; PIL refuses such files
// ("image file is truncated") rather than decode grey where the data is missing.
const TRUNCATED = 'Premature end of JPEG file';

/** What the decoder's glue needs of ImageData, only while it runs (Node has none). */
class PlainImageData {
  constructor(data, width, height) {
    this.data = data;
    this.width = width;
    this.height = height;
  }
}

/**
 * Runs fn with globalThis.ImageData defined (the glue constructs its results with it and, in
 * Node, defines one when there is none): whatever was there before is put back, so loading
 * the decoder leaves the process's globals as they were.
 */
function withImageData(fn) {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'ImageData');
  if (!saved) globalThis.ImageData = PlainImageData;
  try {
    return fn();
  } finally {
    if (saved) Object.defineProperty(globalThis, 'ImageData', saved);
    else delete globalThis.ImageData;
  }
}

async function createDecoder() {
  const [{ default: factory }, bytes] = await Promise.all([
    import(GLUE), readFile(require.resolve(WASM)),
  ]);
  const wasm = await WebAssembly.compile(bytes);
  const messages = [];
  const collect = (text) => { messages.push(String(text)); };
  const module = await withImageData(() => factory({
    noInitialRun: true,
    print: collect,
    printErr: collect,
    // Instantiating from the compiled module keeps the glue from fetching the file itself.
    instantiateWasm(imports, done) {
      const instance = new WebAssembly.Instance(wasm, imports);
      done(instance);
      return instance.exports;
    },
  }));
  return { module, messages };
}

let decoderPromise = null;

function decoder() {
  decoderPromise ??= createDecoder().catch((e) => {
    decoderPromise = null;
    throw new Error(`the JPEG decoder could not start: ${e.message}`);
  });
  return decoderPromise;
}

/**
 * Decodes a JPEG file's bytes to { data: RGBA Uint8Array, width, height }. applyOrientation:
 * turn the image as its EXIF orientation tag says (PIL's Image.open does not; its
 * ImageOps.exif_transpose does). Throws an Error naming libjpeg's complaint for a corrupt or
 * truncated file.
 */
export async function decodeJpeg(bytes, { applyOrientation = false } = {}) {
  const { module, messages } = await decoder();
  messages.length = 0;
  let image;
  try {
    image = withImageData(() => module.decode(bytes, applyOrientation));
  } catch (e) {
    throw new Error(`corrupt JPEG file: ${messages.at(-1) ?? e.message}`);
  }
  if (!image) throw new Error(`corrupt JPEG file: ${messages.at(-1) ?? 'the decoder gave no image'}`);
  if (messages.includes(TRUNCATED)) throw new Error(`truncated JPEG file: the data ends before the image does (libjpeg: ${TRUNCATED})`);
  const { data, width, height } = image;
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}
