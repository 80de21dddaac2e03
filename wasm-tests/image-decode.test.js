// Image files decode as PIL's Image.open(file).convert("RGB") decodes them (what torchvision
// users feed their models): every kind of JPEG and PNG of models/image_fixtures.py, bit for bit
// against PIL's pixels made at test time; EXIF orientation only when asked, then as
// ImageOps.exif_transpose; files that lie, are cut short or of an unsupported kind are refused
// with a message that names the problem, before any large allocation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { decodeImage } from '../web/src/node.js';
import { fixturePath } from './support/fixtures.js';

const DIR = join(fixturePath('images'), '.');
const MANIFEST = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));
const bytesOf = (file) => new Uint8Array(readFileSync(join(DIR, file)));

/** Count and largest size of the RGB differences between RGBA pixels and PIL's RGB bytes. */
function rgbDifference(rgba, rgb) {
  let count = 0;
  let largest = 0;
  for (let p = 0, q = 0; q < rgb.length; p += 4, q += 3) {
    for (let k = 0; k < 3; k++) {
      const d = Math.abs(rgba[p + k] - rgb[q + k]);
      if (d) {
        count++;
        largest = Math.max(largest, d);
      }
    }
  }
  return { count, largest };
}

async function assertEqualsPil(name, { applyOrientation = false, reference = `${name}.rgb`, size } = {}) {
  const entry = MANIFEST[name];
  const image = await decodeImage(bytesOf(entry.file), { applyOrientation });
  const { width, height } = size ?? entry;
  assert.deepEqual([image.width, image.height], [width, height], `${name}: size`);
  assert.equal(image.data.length, width * height * 4, `${name}: RGBA bytes`);
  const diff = rgbDifference(image.data, readFileSync(join(DIR, reference)));
  assert.deepEqual(diff, { count: 0, largest: 0 }, `${name}: samples differing from PIL's`);
}

const kinds = Object.keys(MANIFEST).filter((name) => !name.includes('-exif-'));
test('the fixtures cover each kind of JPEG and PNG', () => {
  for (const expected of ['jpeg-444-baseline', 'jpeg-422-progressive', 'jpeg-420-baseline', 'jpeg-grey-progressive',
    'png-rgb', 'png-rgba-interlaced', 'png-grey', 'png-grey-alpha-interlaced', 'png-palette-transparent',
    'png-palette-4bit-interlaced', 'png-grey-1bit', 'png-grey-2bit-interlaced']) {
    assert.ok(kinds.includes(expected), `${expected} is among the fixtures`);
  }
});

for (const name of kinds) {
  test(`${name} (PIL mode ${MANIFEST[name].mode}) decodes to PIL's pixels`, () => assertEqualsPil(name));
}

test('PNG alpha is kept as the fourth channel, never composited into RGB', async () => {
  const image = await decodeImage(bytesOf('png-rgba.png'));
  const alphas = new Set();
  for (let p = 3; p < image.data.length; p += 4) alphas.add(image.data[p]);
  assert.ok(alphas.size > 100, `the gradient alpha survives (${alphas.size} levels)`);
  const opaque = await decodeImage(bytesOf('jpeg-444-baseline.jpg'));
  assert.ok(opaque.data.every((v, i) => i % 4 !== 3 || v === 255), 'a JPEG is opaque');
});

test('EXIF orientation is not applied by default, as in PIL\'s Image.open', async () => {
  for (let orientation = 2; orientation <= 8; orientation++) await assertEqualsPil(`jpeg-420-exif-${orientation}`);
});

test('applyOrientation turns the image as ImageOps.exif_transpose does', async () => {
  for (let orientation = 2; orientation <= 8; orientation++) {
    const name = `jpeg-420-exif-${orientation}`;
    await assertEqualsPil(name, { applyOrientation: true, reference: `${name}.transposed.rgb`, size: MANIFEST[name].transposed });
  }
});

/** A copy of a file's bytes with a big-endian 16-bit or 32-bit value written at an offset. */
function patched(bytes, offset, value, width) {
  const copy = new Uint8Array(bytes);
  const view = new DataView(copy.buffer);
  if (width === 2) view.setUint16(offset, value);
  else view.setUint32(offset, value);
  return copy;
}

function sofOffset(jpeg) {
  for (let i = 2; i < jpeg.length - 1; i++) if (jpeg[i] === 0xff && (jpeg[i + 1] === 0xc0 || jpeg[i + 1] === 0xc2)) return i + 2;
  throw new Error('no SOF marker');
}

test('files that lie, end early or are of an unsupported kind are refused with a message that names it', async () => {
  const jpeg = bytesOf('jpeg-420-baseline.jpg');
  const png = bytesOf('png-rgb.png');
  const sof = sofOffset(jpeg);   // length (2), precision (1), height (2), width (2), components (1)
  const cases = [
    [patched(patched(jpeg, sof + 3, 60000, 2), sof + 5, 60000, 2), /JPEG file declares a 60000x60000 image; the largest side accepted is 16384 pixels/],
    [patched(jpeg, sof + 3, 0, 2), /JPEG file declares an empty image \(317x0 pixels\)/],
    [patched(patched(png, 16, 60000, 4), 20, 60000, 4), /PNG file declares a 60000x60000 image; the largest side accepted is 16384 pixels/],
    [patched(png, 16, 0, 4), /PNG file declares an empty image \(0x211 pixels\)/],
    [jpeg.subarray(0, Math.floor(jpeg.length / 2)), /truncated JPEG file: the data ends before the image does/],
    [jpeg.subarray(0, sof + 4), /truncated JPEG file: the frame header is cut short/],
    [jpeg.subarray(0, 20), /truncated JPEG file/],
    [png.subarray(0, Math.floor(png.length / 2)), /corrupt PNG file/],
    [png.subarray(0, 20), /truncated PNG file: it ends inside the header chunk/],
    [bytesOf('refused-cmyk.jpg'), /CMYK \(4-component\) JPEG files are not supported/],
    [bytesOf('refused-16-bit-grey.png'), /16-bit PNG files \(greyscale\) are not supported/],
    [jpeg.map((v, i) => (i === sof + 2 ? 12 : v)), /12-bit JPEG files are not supported/],
    [new Uint8Array(0), /empty file/],
    [new TextEncoder().encode('GIF89a not an image of ours'), /not a PNG or JPEG file/],
  ];
  for (const [bytes, message] of cases) {
    await assert.rejects(decodeImage(bytes), message);
  }
  // the decoder keeps working after refusals and corrupt data
  await assertEqualsPil('jpeg-444-progressive');
});
