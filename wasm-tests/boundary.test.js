// The C/JS boundary cannot drift: the WebAssembly module states its layout and limits
// (mrw_js_layout), they equal the public header's and the JavaScript side's, and options written
// through that layout reach the C API as meant.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { MAX_IMAGE_SIDE } from '../web/src/api/image.js';
import { MAX_THREADS } from '../web/src/api/options.js';
import { loadNodeEngine } from '../web/src/engine/load-node.js';
import { assetPaths } from '../web/src/platform/node.js';
import { e2eCase, ROOT, smallModelBytes } from './support/fixtures.js';

const HEADER = readFileSync(join(ROOT, 'src', 'maskrcnn_wasm.h'), 'utf8');
const defined = (name) => Number(HEADER.match(new RegExp(`#define ${name} (\\d+)`))[1]);

let engine;
before(async () => {
  engine = await loadNodeEngine({ paths: assetPaths(), threads: 1 });
  engine.loadModel(smallModelBytes(128));
});
after(() => engine.dispose());

test('the module\'s limits and constants equal the public header\'s and the JavaScript side\'s', () => {
  const { layout } = engine;
  assert.equal(layout.max_image_side, defined('MRW_MAX_IMAGE_SIDE'));
  assert.equal(layout.max_image_side, MAX_IMAGE_SIDE);
  assert.equal(layout.max_threads, defined('MRW_MAX_THREADS'));
  assert.equal(layout.max_threads, MAX_THREADS);
  assert.equal(layout.model_buffer_padding, defined('MRW_MODEL_BUFFER_PADDING'));
  assert.equal(layout.stages, defined('MRW_STAGES'));
  assert.equal(layout.pixels_rgba, Number(HEADER.match(/MRW_PIXELS_RGBA = (\d+)/)[1]));
  assert.deepEqual(Object.keys(layout.options).sort(), ['mask_threshold', 'max_instances', 'score_threshold', 'size']);
});

test('options written through the stated layout reach the C API', () => {
  const { image } = e2eCase('e2e_r18');
  const all = engine.segment(image.data, image.width, image.height, { scoreThreshold: 0 });
  assert.ok(all.instances.length > 3, `${all.instances.length} instances`);
  const few = engine.segment(image.data, image.width, image.height, { scoreThreshold: 0, maxInstances: 2 });
  assert.equal(few.instances.length, 2);
  const cut = all.instances[2].score;
  const strong = engine.segment(image.data, image.width, image.height, { scoreThreshold: cut });
  assert.ok(strong.instances.length >= 3 && strong.instances.every((i) => i.score >= cut));
  const loose = engine.segment(image.data, image.width, image.height, { scoreThreshold: 0, maxInstances: 1, maskThreshold: 0.05 });
  const tight = engine.segment(image.data, image.width, image.height, { scoreThreshold: 0, maxInstances: 1, maskThreshold: 0.95 });
  const area = (r) => r.instances[0].mask.data.reduce((a, v) => a + v, 0);
  assert.ok(area(loose) > area(tight), `mask threshold 0.05 covers more than 0.95 (${area(loose)} vs ${area(tight)})`);
});
