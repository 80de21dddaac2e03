// maskrcnn-wasm segment <image or folder>: instance masks of PNG and JPEG files as JSON (and
// overlay images), with the Node API.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';

import { MAX_THREADS } from '../api/options.js';
import { load } from '../node.js';
import { parseCommandLine, UsageError } from './args.js';
import { defaultModel, NO_MODEL_MESSAGE } from './default-model.js';
import { listImages, readImage, writePng } from './images.js';
import { renderOverlay } from './overlay.js';
import { createProgress } from './progress.js';
import { resultJson } from './result-json.js';

export const USAGE = `usage: maskrcnn-wasm segment <image or folder> [options]

  --model FILE            model file (default: the package's models/default.safetensors)
  --json OUT              JSON output: a file for an image ('-' = stdout, the default when
                          no --overlay is given); a folder for a folder (default: beside
                          each image, as NAME.json)
  --overlay OUT           PNG with masks, boxes and labels drawn: a file for an image, a
                          folder for a folder
  --score-threshold T     keep instances scoring at least T (0..1); default: the JSON keeps
                          the model's own threshold (torchvision's 0.05 keeps every weak
                          detection), the overlay draws instances scoring 0.5 or more
  --max-instances N       at most N instances per image
  --mask-threshold T      binary masks: probability above T (0..<1, default the model's)
  --threads N             engine threads (default: auto)
  --exif-orientation      turn JPEG images as their EXIF orientation says (default: the
                          stored pixels, as PIL's Image.open and torchvision users see them)
  -h, --help              this help`;

// The overlay's threshold when none is given: a picture of every detection above torchvision's
// 0.05 buries the objects under weak boxes (a scene gets 25 to 82 of them).
const OVERLAY_SCORE_THRESHOLD = 0.5;

const SPEC = {
  model: { type: 'string' },
  json: { type: 'string' },
  overlay: { type: 'string' },
  'score-threshold': { type: 'number', min: 0, max: 1 },
  'max-instances': { type: 'integer', min: 0 },
  'mask-threshold': { type: 'number', min: 0, max: 0.999999 },
  threads: { type: 'integer', min: 1, max: MAX_THREADS, allow: ['auto'] },
  'exif-orientation': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export async function main(argv, { stdout = process.stdout, stderr = process.stderr } = {}) {
  const { values, positionals } = parseCommandLine(argv, SPEC, [0, 1]);
  if (values.help) {
    stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('segment: which image or folder?');
  const input = positionals[0];
  const model = values.model ?? defaultModel();
  if (!model) throw new UsageError(NO_MODEL_MESSAGE);
  const info = await stat(input).catch(() => null);
  if (!info) throw new Error(`${input}: no such file or folder`);
  const images = info.isDirectory() ? await listImages(input) : [input];
  if (images.length === 0) throw new Error(`${input}: no PNG or JPEG files in this folder`);

  const segmenter = await load({ model, threads: values.threads ?? 'auto' });
  try {
    const options = {
      scoreThreshold: values['score-threshold'], maxInstances: values['max-instances'],
      maskThreshold: values['mask-threshold'], rle: true,
    };
    // how files are read and drawn
    const io = {
      applyOrientation: values['exif-orientation'] ?? false,
      overlayThreshold: values['score-threshold'] ?? OVERLAY_SCORE_THRESHOLD,
    };
    if (info.isDirectory()) return await segmentFolder(segmenter, images, values, options, io, stderr);
    return await segmentOne(segmenter, input, values, options, io, { stdout, stderr });
  } finally {
    await segmenter.dispose();
  }
}

async function segmentOne(segmenter, path, values, options, io, { stdout, stderr }) {
  const { json, summary } = await segmentFile(segmenter, path, options, io, values.overlay);
  const text = `${JSON.stringify(json)}\n`;
  if (values.json && values.json !== '-') await writeFile(values.json, text);
  else if (values.json === '-' || !values.overlay) stdout.write(text);
  stderr.write(`${path}: ${summary}\n`);
  return 0;
}

async function segmentFolder(segmenter, images, values, options, io, stderr) {
  if (values.json && values.json !== '-') await mkdir(values.json, { recursive: true });
  if (values.overlay) await mkdir(values.overlay, { recursive: true });
  if (values.json === '-') throw new UsageError('--json - (stdout) is for one image; give a folder for a folder');
  const progress = createProgress(images.length, stderr);
  let failed = 0;
  for (const path of images) {
    const name = basename(path, extname(path));
    try {
      const overlay = values.overlay ? join(values.overlay, `${name}.png`) : undefined;
      const { json, summary } = await segmentFile(segmenter, path, options, io, overlay);
      const out = values.json ? join(values.json, `${name}.json`) : join(path, '..', `${name}.json`);
      await writeFile(out, `${JSON.stringify(json)}\n`);
      progress.step(`${basename(path)}: ${summary}`);
    } catch (e) {
      failed++;
      progress.step(`${basename(path)}: failed: ${e.message}`);
    }
  }
  if (failed > 0) stderr.write(`${failed} of ${images.length} images failed\n`);
  return failed > 0 ? 1 : 0;
}

async function segmentFile(segmenter, path, options, io, overlayPath) {
  const image = await readImage(path, { applyOrientation: io.applyOrientation });
  const result = await segmenter.segment(image, options);
  if (overlayPath) {
    const shown = { ...result, instances: result.instances.filter((i) => i.score >= io.overlayThreshold) };
    await writePng(overlayPath, renderOverlay(image.data, image.width, image.height, shown), image.width, image.height);
  }
  const n = result.instances.length;
  const top = result.instances.slice(0, 3).map((i) => `${i.className} ${i.score.toFixed(2)}`).join(', ');
  const summary = `${n} instance${n === 1 ? '' : 's'}${n ? ` (${top}${n > 3 ? ', ...' : ''})` : ''} in ${Math.round(result.timings.total)} ms`;
  return { json: resultJson(result), summary };
}
