// The shipped default model on the committed demo samples: it loads, names its six classes,
// and finds the objects whose ground truth the scene generator wrote when it rendered them.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { readImage } from '../web/src/cli/images.js';
import { DEFAULT_MODEL } from '../web/src/cli/default-model.js';
import { evaluate } from '../web/src/coco/evaluate.js';
import { predictDataset } from '../web/src/coco/predict.js';
import { load } from '../web/src/node.js';

const SAMPLES = new URL('../web/demo/samples/', import.meta.url);
const SHAPES = ['circle', 'square', 'triangle', 'star', 'ring', 'cross'];
// Objects this large are plainly visible in the samples.
const LARGE_AREA = 1500;
// Floors for the shipped model (mask AP 0.758 on the held-out synthetic set, README "Models";
// on these samples it measures mask AP50 0.965 and finds all 16 large objects; the earlier
// ResNet-18 default 0.931 and 16); a better model raises them.
const MIN_MASK_AP50 = 0.92;
const MIN_LARGE_FOUND = 0.85;

test('the default model finds the objects of the sample scenes', { timeout: 300_000 }, async (t) => {
  const dataset = JSON.parse(await readFile(new URL('annotations.json', SAMPLES), 'utf8'));
  const segmenter = await load({ model: DEFAULT_MODEL, threads: 2 });
  try {
    assert.deepEqual(segmenter.labels.slice(1), SHAPES);
    const { results } = await predictDataset({
      segmenter, dataset, imagesDir: SAMPLES.pathname, readImage,
    });
    const segm = evaluate(dataset, results, { iouType: 'segm' });
    const box = evaluate(dataset, results, { iouType: 'bbox' });
    t.diagnostic(`mask AP ${segm.stats[0].toFixed(3)}, AP50 ${segm.stats[1].toFixed(3)}; ` +
      `box AP ${box.stats[0].toFixed(3)}; ${results.length} detections`);
    assert.ok(segm.stats[1] >= MIN_MASK_AP50, `mask AP50 on the samples is ${segm.stats[1]}, expected >= ${MIN_MASK_AP50}`);

    // A large object is found by a detection of its class (score >= 0.3, box IoU >= 0.5).
    const found = [];
    const large = dataset.annotations.filter((a) => a.area >= LARGE_AREA);
    for (const gt of large) {
      const [x, y, w, h] = gt.bbox;
      const hit = results.some((r) => r.category_id === gt.category_id && r.score >= 0.3 &&
        iou(r.bbox, [x, y, w, h]) >= 0.5);
      found.push(hit);
    }
    const share = found.filter(Boolean).length / large.length;
    t.diagnostic(`${found.filter(Boolean).length} of ${large.length} large objects found`);
    assert.ok(large.length >= 10, 'the samples hold at least 10 large objects');
    assert.ok(share >= MIN_LARGE_FOUND, `found ${(share * 100).toFixed(0)} % of the large objects, expected >= ${MIN_LARGE_FOUND * 100} %`);
  } finally {
    await segmenter.dispose();
  }
});

test('load() without a model loads the package\'s default model', { timeout: 120_000 }, async () => {
  const image = await readImage(fileURLToPath(new URL('scene-4.png', SAMPLES)));
  const results = [];
  for (const options of [undefined, {}, { model: DEFAULT_MODEL }]) {
    const segmenter = await load(options);
    try {
      assert.deepEqual(segmenter.labels.slice(1), SHAPES, JSON.stringify(options));
      results.push(await segmenter.segment(image, { maxInstances: 5 }));
    } finally {
      await segmenter.dispose();
    }
  }
  assert.ok(results[2].instances.length > 0, 'the default model finds objects in the sample');
  for (const r of results.slice(0, 2)) {
    assert.deepEqual(r.instances.map((i) => [i.label, i.score, i.box]), results[2].instances.map((i) => [i.label, i.score, i.box]));
  }
});

test('load() without a model, in a package without its default model, says so', async () => {
  // the package's code without models/ (in build/, where its npm dependencies resolve), its
  // WebAssembly files where they are
  const dir = mkdtempSync(fileURLToPath(new URL('../build/no-model-', import.meta.url)));
  try {
    cpSync(fileURLToPath(new URL('../web/src/', import.meta.url)), join(dir, 'web', 'src'), { recursive: true });
    const { load: loadElsewhere } = await import(pathToFileURL(join(dir, 'web', 'src', 'node.js')).href);
    await assert.rejects(loadElsewhere({ wasmPaths: fileURLToPath(new URL('../dist/', import.meta.url)) }),
      /^Error: load: the package's default model \(models\/default\.safetensors\) could not be read; pass load\(\{ model \}\) \(model: could not read .*default\.safetensors: ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function iou([ax, ay, aw, ah], [bx, by, bw, bh]) {
  const iw = Math.max(0, Math.min(ax + aw, bx + bw) - Math.max(ax, bx));
  const ih = Math.max(0, Math.min(ay + ah, by + bh) - Math.max(ay, by));
  const inter = iw * ih;
  return inter / (aw * ah + bw * bh - inter);
}
