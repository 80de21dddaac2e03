// Soft mask edges for compositing live video: toImageData({ soft: true }) (and drawInstances'
// soft option) give an alpha that follows the mask probability: none where the model is sure
// the pixel is outside (p <= 0.25), full where it is sure it is inside (p >= 0.75), rising with
// p in between, so the cut of the binary mask becomes a fade.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { load } from '../web/src/node.js';
import { e2eCase, smallModelBytes } from './support/fixtures.js';

let segmenter;
let result;

before(async () => {
  segmenter = await load({ model: smallModelBytes(160), threads: 1 });
  result = await segmenter.segment(e2eCase('e2e_r18').image, { maxInstances: 5, probabilities: true, scoreThreshold: 0 });
});
after(() => segmenter.dispose());

test('the alpha follows the probability: none when sure outside, full when sure inside, rising between', () => {
  assert.ok(result.instances.length > 0);
  let between = 0;
  for (const { mask } of result.instances) {
    const alpha = 200;
    const soft = mask.toImageData({ color: [10, 20, 30, alpha], soft: true }).data;
    const pairs = [];
    for (let p = 0; p < mask.width * mask.height; p++) {
      const probability = mask.probabilities[p];
      const a = soft[p * 4 + 3];
      if (probability <= 0.25) assert.equal(a, 0, `p ${probability}: alpha ${a}`);
      else if (probability >= 0.75) assert.equal(a, alpha, `p ${probability}: alpha ${a}`);
      else {
        assert.ok(a >= 0 && a <= alpha);
        between += a > 0 && a < alpha;
      }
      if (a > 0) assert.deepEqual([...soft.subarray(p * 4, p * 4 + 3)], [10, 20, 30]);
      // the binary mask is where p > 0.5: there the soft alpha is more than half
      if (mask.data[p]) assert.ok(a >= alpha / 2, `inside the binary mask, alpha ${a} at p ${probability}`);
      pairs.push([probability, a]);
    }
    pairs.sort((x, y) => x[0] - y[0]);
    for (let k = 1; k < pairs.length; k++) assert.ok(pairs[k][1] >= pairs[k - 1][1], 'alpha never falls as p rises');
  }
  assert.ok(between > 0, 'some edge pixels are partly transparent');
});

test('fullFrame places the soft mask in the image; without probabilities soft is refused', async () => {
  const { mask } = result.instances[0];
  const full = mask.toImageData({ fullFrame: true, soft: true, color: [1, 2, 3, 255] });
  assert.equal(full.width, result.width);
  const local = mask.toImageData({ soft: true, color: [1, 2, 3, 255] });
  for (let j = 0; j < mask.height; j++) {
    for (let i = 0; i < mask.width; i++) {
      const x = mask.x + i;
      const y = mask.y + j;
      if (x < 0 || y < 0 || x >= result.width || y >= result.height) continue;
      assert.equal(full.data[(y * result.width + x) * 4 + 3], local.data[(j * mask.width + i) * 4 + 3]);
    }
  }
  const plain = await segmenter.segment(e2eCase('e2e_r18').image, { maxInstances: 1, scoreThreshold: 0 });
  assert.throws(() => plain.instances[0].mask.toImageData({ soft: true }), /soft edges need the mask probabilities: segment\(source, \{ probabilities: true \}\)/);
});
