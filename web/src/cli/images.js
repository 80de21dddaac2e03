// Image files for the CLI: PNG (pngjs) and JPEG (jpeg-js) in, PNG out, as RGBA.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';

import jpeg from 'jpeg-js';
import pngjs from 'pngjs';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const MAX_JPEG_MEMORY_MB = 2048;

/** { data: RGBA Uint8Array, width, height } of a PNG or JPEG file (told apart by content). */
export async function readImage(path) {
  const bytes = await readFile(path);
  try {
    if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) {
      const png = pngjs.PNG.sync.read(bytes);
      return { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), width: png.width, height: png.height };
    }
    if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
      const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: MAX_JPEG_MEMORY_MB });
      return { data: image.data, width: image.width, height: image.height };
    }
  } catch (e) {
    throw new Error(`${path}: cannot decode the image: ${e.message}`);
  }
  throw new Error(`${path}: not a PNG or JPEG file`);
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
