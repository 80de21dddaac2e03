// Comparisons of segmentation results: against torchvision's (the parity rules of
// tests/parity_rules.json) and between two runs of the engine.
import assert from 'node:assert/strict';

import { compareDetections, detectionCut } from './detection-parity.js';
import { PARITY_RULES } from './parity-rules.js';

/** The whole-image 0/1 mask of an instance's box-local mask. */
export function fullMask(mask, width, height) {
  const full = new Uint8Array(width * height);
  for (let j = 0; j < mask.height; j++) {
    for (let i = 0; i < mask.width; i++) {
      const x = mask.x + i;
      const y = mask.y + j;
      if (x >= 0 && y >= 0 && x < width && y < height) full[y * width + x] = mask.data[j * mask.width + i];
    }
  }
  return full;
}

export function maskIou(a, b) {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i] & b[i];
    union += a[i] | b[i];
  }
  return union > 0 ? inter / union : 1;
}

/**
 * Asserts parity with torchvision by the "detections" rule of tests/parity_rules.json (see
 * support/detection-parity.js). expected: torchvision's boxes, labels, scores and masks, and
 * the scoreThreshold and detectionsPerImg it ran with. Returns the worst figures of the
 * pairs, their number and the cut ({ boxIou, scoreDiff, maskIou, matched, cut }).
 */
export function assertParity(result, expected, name) {
  const { width, height } = result;
  const pixels = width * height;
  const reference = Array.from(expected.scores, (score, i) => ({
    label: expected.labels[i], score, box: expected.boxes.subarray(i * 4, i * 4 + 4),
  }));
  assert.ok(typeof expected.scoreThreshold === 'number' && Number.isInteger(expected.detectionsPerImg),
            `${name}: the score threshold and cap torchvision ran with are needed`);
  const cut = detectionCut(reference, expected.scoreThreshold, expected.detectionsPerImg);
  const masks = (i, j) => maskIou(fullMask(result.instances[j].mask, width, height),
                                  expected.masks.subarray(i * pixels, (i + 1) * pixels));
  const { pairs, problems, worst } = compareDetections(reference, result.instances, cut, PARITY_RULES.detections, masks);
  assert.deepEqual(problems, [], `${name}: ${reference.length} torchvision / ${result.instances.length} ours, cut ${cut}`);
  return { ...worst, matched: pairs.length, cut };
}

/** Asserts that two results of the engine are the same: labels, names, float32-exact boxes
 * and scores, identical masks. */
export function assertSameResult(actual, expected, what) {
  assert.equal(actual.width, expected.width, `${what}: width`);
  assert.equal(actual.height, expected.height, `${what}: height`);
  assert.equal(actual.instances.length, expected.instances.length, `${what}: instance count`);
  actual.instances.forEach((a, i) => {
    const e = expected.instances[i];
    assert.equal(a.label, e.label, `${what}: instance ${i} label`);
    assert.equal(a.className, e.className, `${what}: instance ${i} class name`);
    assert.deepEqual(a.box.map(Math.fround), e.box.map(Math.fround), `${what}: instance ${i} box`);
    assert.equal(Math.fround(a.score), Math.fround(e.score), `${what}: instance ${i} score`);
    if (a.mask.counts !== undefined || e.mask.counts !== undefined) {
      assert.equal(a.mask.counts, e.mask.counts, `${what}: instance ${i} mask RLE`);
    } else {
      for (const key of ['x', 'y', 'width', 'height']) assert.equal(a.mask[key], e.mask[key], `${what}: instance ${i} mask ${key}`);
      assert.deepEqual(Array.from(a.mask.data), Array.from(e.mask.data), `${what}: instance ${i} mask pixels`);
    }
  });
}
