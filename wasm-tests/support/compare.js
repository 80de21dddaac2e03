// Comparisons of segmentation results: against torchvision's (the parity criteria of
// tests/test_model_parity.cc) and between two runs of the engine.
import assert from 'node:assert/strict';

export function boxIou(a, b) {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

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

// torchvision's detection i ties (within 1e-5) another of its scores or the 0.05 threshold:
// the one situation where two engines may cut apart.
function atTie(scores, i) {
  if (Math.abs(scores[i] - 0.05) < 1e-5) return true;
  return scores.some((s, j) => j !== i && Math.abs(s - scores[i]) < 1e-5);
}

/**
 * Asserts parity with torchvision: every detection of theirs has one of ours with the same
 * label, box IoU >= 0.99, |score difference| <= 1e-3 and mask IoU >= 0.98 (unless it sits at a
 * score tie), and the counts agree when all match. Returns the worst figures.
 */
export function assertParity(result, expected, name) {
  const { width, height } = result;
  const n = expected.scores.length;
  const used = new Array(result.instances.length).fill(false);
  const worst = { boxIou: 1, scoreDiff: 0, maskIou: 1, matched: 0 };
  let unmatched = 0;
  for (let i = 0; i < n; i++) {
    const box = expected.boxes.subarray(i * 4, i * 4 + 4);
    let best = -1;
    let bestIou = 0;
    result.instances.forEach((ours, j) => {
      if (used[j] || ours.label !== expected.labels[i]) return;
      const iou = boxIou(box, ours.box);
      if (iou > bestIou) [best, bestIou] = [j, iou];
    });
    if (best < 0 || bestIou < 0.99) {
      assert.ok(atTie(expected.scores, i), `${name}: torchvision detection ${i} (label ${expected.labels[i]}, score ${expected.scores[i]}) has no partner and is not at a score tie`);
      unmatched++;
      continue;
    }
    used[best] = true;
    const ours = result.instances[best];
    const scoreDiff = Math.abs(ours.score - expected.scores[i]);
    const miou = maskIou(fullMask(ours.mask, width, height), expected.masks.subarray(i * width * height, (i + 1) * width * height));
    assert.ok(scoreDiff <= 1e-3, `${name} detection ${i}: score ${ours.score} vs torchvision ${expected.scores[i]}`);
    assert.ok(miou >= 0.98, `${name} detection ${i}: mask IoU ${miou}`);
    worst.boxIou = Math.min(worst.boxIou, bestIou);
    worst.scoreDiff = Math.max(worst.scoreDiff, scoreDiff);
    worst.maskIou = Math.min(worst.maskIou, miou);
    worst.matched++;
  }
  if (unmatched === 0) assert.equal(result.instances.length, n, `${name}: ${result.instances.length} instances, torchvision has ${n}`);
  return worst;
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
