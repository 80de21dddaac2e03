// Image files for the CLI: PNG and JPEG in (decoded as PIL decodes them, see
// io/image/decode-image.js), PNG out, as RGBA.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';

import pngjs from 'pngjs';

import { decodeImage } from '../io/image/decode-image.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/**
 * { data: RGBA Uint8Array, width, height } of a PNG or JPEG file (told apart by content).
 * applyOrientation: turn a JPEG as its EXIF orientation says (PIL's Image.open does not).
 */
export async function readImage(path, { applyOrientation = false } = {}) {
  const bytes = await readFile(path);
  try {
    return await decodeImage(bytes, { applyOrientation });
  } catch (e) {
    throw new Error(`${path}: ${e.message}`);
  }
}

export async function writePng(path, rgba, width, height) {
  const png = new pngjs.PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.length);
  await writeFile(path, pngjs.PNG.sync.write(png));
}

/** The PNG and JPEG files directly in a folder, by name. */
export async function listImages(folder) {
  const entries = await readdir(folder, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => join(folder, e.name))
    .sort();
}
