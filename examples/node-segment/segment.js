// Segments a PNG or JPEG file with maskrcnn-wasm and writes an overlay PNG: each instance's
// mask tinted in its class's color and its box outlined. Prints what it found. The package's
// decodeImage gives the pixels PIL gives (libjpeg-turbo's JPEG decoding), so the detections
// are those torchvision finds in the same file.
//
//   node segment.js IMAGE [OUT.png] [--model MODEL.safetensors] [--threshold 0.5]
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { decodeImage, load } from 'maskrcnn-wasm';
import { PNG } from 'pngjs';

// The repository's shipped model; in your own project, pass --model.
const DEFAULT_MODEL = fileURLToPath(new URL('../../models/default.safetensors', import.meta.url));
const COLORS = [[230, 25, 75], [60, 180, 75], [0, 130, 200], [245, 130, 48], [145, 30, 180], [70, 240, 240]];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string', default: DEFAULT_MODEL },
    threshold: { type: 'string', default: '0.5' },
  },
});
const [input, output = 'overlay.png'] = positionals;
if (!input) {
  console.error('usage: node segment.js IMAGE [OUT.png] [--model MODEL.safetensors] [--threshold 0.5]');
  process.exit(2);
}

const image = await decodeImage(await readFile(input));
const segmenter = await load({ model: values.model });
try {
  const result = await segmenter.segment(image, { scoreThreshold: Number(values.threshold) });
  for (const { className, score, box } of result.instances) {
    console.log(`${className.padEnd(12)} ${score.toFixed(3)}  box ${box.map(Math.round).join(', ')}`);
  }
  const overlay = PNG.sync.write({ width: image.width, height: image.height, data: drawOverlay(image, result) });
  await writeFile(output, overlay);
  const count = result.instances.length;
  console.log(`${count} instance${count === 1 ? '' : 's'} in ${Math.round(result.timings.total)} ms; wrote ${output}`);
} finally {
  await segmenter.dispose();
}

/** A copy of the image's pixels with masks tinted (half opacity) and boxes outlined. */
function drawOverlay({ data, width }, result) {
  const out = Buffer.from(data);
  const paint = (x, y, [r, g, b], alpha) => {
    if (x < 0 || y < 0 || x >= width || y >= result.height) return;
    const p = 4 * (y * width + x);
    out[p] += (r - out[p]) * alpha;
    out[p + 1] += (g - out[p + 1]) * alpha;
    out[p + 2] += (b - out[p + 2]) * alpha;
  };
  for (const { label, mask, box } of [...result.instances].reverse()) {
    const color = COLORS[label % COLORS.length];
    // The mask is local to its rectangle (mask.x, mask.y, mask.width, mask.height).
    for (let j = 0; j < mask.height; j++) {
      for (let i = 0; i < mask.width; i++) {
        if (mask.data[j * mask.width + i]) paint(mask.x + i, mask.y + j, color, 0.5);
      }
    }
    const [x1, y1, x2, y2] = box.map(Math.round);
    for (let x = x1; x <= x2; x++) for (const y of [y1, y1 + 1, y2 - 1, y2]) paint(x, y, color, 1);
    for (let y = y1; y <= y2; y++) for (const x of [x1, x1 + 1, x2 - 1, x2]) paint(x, y, color, 1);
  }
  return out;
}
