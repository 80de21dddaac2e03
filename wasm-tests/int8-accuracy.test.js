// int8 models keep their F16 model's accuracy: box and mask AP (the package's COCO evaluator)
// on the first 40 held-out synthetic scenes (make_fixtures.py heldout_scenes), for the
// shipped int8 files against the F16 files they were converted from: the live model (what the
// webcam pages run) and the default model (what the package loads without a model). Each
// shipped int8 file is what the package's own convert() makes of its F16 file.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { readImage } from '../web/src/cli/images.js';
import { evaluate } from '../web/src/coco/evaluate.js';
import { predictDataset } from '../web/src/coco/predict.js';
import { convert, load } from '../web/src/node.js';
import { FIXTURES } from './support/fixtures.js';

const SCENES = join(FIXTURES, 'heldout-scenes');
const MODELS = new URL('../models/', import.meta.url);
// The bar is 0.01 on all 100 held-out scenes; on 40 a single scene moves AP more.
const MAX_AP_DROP = 0.02;

async function accuracy(model, dataset) {
  const segmenter = await load({ model, threads: 2 });
  try {
    const { results } = await predictDataset({ segmenter, dataset, imagesDir: join(SCENES, 'images'), readImage });
    return { box: evaluate(dataset, results, { iouType: 'bbox' }).stats[0], mask: evaluate(dataset, results, { iouType: 'segm' }).stats[0] };
  } finally {
    await segmenter.dispose();
  }
}

async function compare(t, name, f16, int8) {
  const dataset = JSON.parse(await readFile(join(SCENES, 'annotations.json'), 'utf8'));
  assert.equal(dataset.images.length, 40);
  const a = await accuracy(f16, dataset), b = await accuracy(int8, dataset);
  t.diagnostic(`${name}: box AP ${a.box.toFixed(3)} F16, ${b.box.toFixed(3)} int8; mask AP ${a.mask.toFixed(3)} F16, ${b.mask.toFixed(3)} int8`);
  assert.ok(a.mask > 0.2, `${name}: the F16 model's mask AP is ${a.mask}: these are not its scenes`);
  assert.ok(b.box >= a.box - MAX_AP_DROP, `${name}: int8 box AP ${b.box} against ${a.box} in F16`);
  assert.ok(b.mask >= a.mask - MAX_AP_DROP, `${name}: int8 mask AP ${b.mask} against ${a.mask} in F16`);
}

// [name, F16 file, shipped int8 file] in models/
const SHIPPED_INT8 = [
  ['live', 'live.safetensors', 'live-int8.safetensors'],
  ['default', 'default-f16.safetensors', 'default.safetensors'],
];

for (const [name, f16, int8] of SHIPPED_INT8) {
  const path = (file) => fileURLToPath(new URL(file, MODELS));

  test(`the shipped int8 ${name} model is convert()'s int8 of its F16 file`, async () => {
    const made = await convert(await readFile(path(f16)), { int8: true, fp16: true });
    const shipped = await readFile(path(int8));
    assert.equal(made.length, shipped.length, `${int8}: ${shipped.length} bytes, convert() makes ${made.length}`);
    assert.ok(Buffer.from(made).equals(shipped), `${int8} differs from convert()'s output`);
  });

  test(`the shipped int8 ${name} model keeps its F16 model's accuracy`, { timeout: 300_000 }, async (t) => {
    await compare(t, name, path(f16), path(int8));
  });
}
