// JPEG photos end to end through the CLI, as a user runs it: `maskrcnn-wasm segment photo.jpg`
// must give torchvision's detections for PIL.Image.open(photo).convert("RGB") (by the rules
// of tests/parity_rules.json), with a trained model and with random weights. A decoder that differs from
// libjpeg-turbo's fails here: it changes scores, boxes and masks.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';

import { assertParity } from './support/compare.js';
import { e2eCase, fixturePath, ROOT } from './support/fixtures.js';
import { decodeRle } from './support/rle.js';
import { readSafetensors } from './support/safetensors.js';

const CLI = join(ROOT, 'web', 'src', 'cli', 'main.js');
const run = promisify(execFile);
let dir;

before(() => { dir = mkdtempSync(join(tmpdir(), 'mrw-jpeg-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI's JSON as a result the parity check reads: full-image masks at (0, 0). */
function resultOfJson(json) {
  const { width, height } = json;
  return {
    width,
    height,
    instances: json.instances.map(({ box, label, score, mask }) => ({
      box, label, score, mask: { x: 0, y: 0, width, height, data: decodeRle(mask.counts, height, width) },
    })),
  };
}

for (const [name, what] of [['e2e_jpeg_fruits', 'the trained fruits-nuts model'], ['e2e_jpeg_r18', 'random weights (ResNet-18, FPN 128)']]) {
  test(`segment ${name}.jpg with ${what}: torchvision's detections on PIL's pixels`, { timeout: 180_000 }, async () => {
    const c = e2eCase(name);
    const photo = fixturePath(readSafetensors(fixturePath(`${name}.safetensors`)).metadata.photo);
    const out = join(dir, `${name}.json`);
    await run(process.execPath, [CLI, 'segment', photo, '--model', c.modelPath, '--json', out, '--threads', '2'], { maxBuffer: 64 << 20 });
    const result = resultOfJson(JSON.parse(readFileSync(out, 'utf8')));
    assert.deepEqual([result.width, result.height], [c.image.width, c.image.height]);
    const worst = assertParity(result, c.expected, name);
    assert.ok(worst.matched >= 0.95 * c.expected.scores.length, `${name}: ${worst.matched} of ${c.expected.scores.length} matched`);
    console.log(`${name}: ${worst.matched}/${c.expected.scores.length} matched, worst box IoU ${worst.boxIou.toFixed(5)}, ` +
      `score diff ${worst.scoreDiff.toExponential(2)}, mask IoU ${worst.maskIou.toFixed(5)}`);
  });
}
