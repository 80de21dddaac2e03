// The detection matcher of the parity tests and the benchmark (support/detection-parity.js)
// on hand-made detection lists, the parity tests' assertion around it (support/compare.js),
// and the reader of tests/parity_rules.json.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { assertParity } from './support/compare.js';
import { compareDetections, detectionCut } from './support/detection-parity.js';
import { PARITY_RULES, PARITY_RULES_FILE, parseParityRules } from './support/parity-rules.js';

// Rules of these tests (not the project's): box IoU >= 0.9, scores within 0.01, mask IoU >= 0.8.
const RULES = { box_iou_min: 0.9, score_diff_max: 0.01, mask_iou_min: 0.8 };
const THRESHOLD = 0.05;

const at = (label, score, x, y) => ({ label, score, box: [x, y, x + 10, y + 10] });
const sameMasks = () => 1;
const compare = (reference, ours, cut = THRESHOLD) => compareDetections(reference, ours, cut, RULES, sameMasks);

const REFERENCE = [at(1, 0.9, 0, 0), at(2, 0.7, 20, 0), at(1, 0.4, 40, 0)];
const withChange = (list, i, change) => list.map((d, j) => (j === i ? { ...d, ...change } : d));

test('a perfect match passes, whatever the order of our detections', () => {
  // the reference's detections in another order, one box moved by a tenth of a pixel (IoU
  // 99/101) and one score off by 0.005
  const ours = [at(1, 0.4, 40, 0), at(1, 0.905, 0, 0.1), at(2, 0.7, 20, 0)];
  const p = compare(REFERENCE, ours);
  assert.deepEqual(p.problems, []);
  assert.deepEqual(p.pairs.map((q) => q.ours), [1, 2, 0]);
  assert.ok(Math.abs(p.worst.boxIou - 99 / 101) < 1e-9, `worst box IoU ${p.worst.boxIou}`);
  assert.ok(Math.abs(p.worst.scoreDiff - 0.005) < 1e-9, `worst score difference ${p.worst.scoreDiff}`);
  assert.equal(p.worst.maskIou, 1);
});

test('a missing strong detection fails', () => {
  const p = compare(REFERENCE, [REFERENCE[0], REFERENCE[2]]);
  assert.equal(p.problems.length, 1, p.problems.join('\n'));
  assert.match(p.problems[0], /^reference detection 1 /);
});

test('a missing detection within the score tolerance of the cut passes; one just beyond fails', () => {
  assert.deepEqual(compare([...REFERENCE, at(2, THRESHOLD + 0.009, 60, 0)], REFERENCE).problems, []);
  assert.equal(compare([...REFERENCE, at(2, THRESHOLD + 0.011, 60, 0)], REFERENCE).problems.length, 1);
});

test('an extra strong detection of ours fails', () => {
  const p = compare(REFERENCE, [...REFERENCE, at(3, 0.6, 60, 0)]);
  assert.equal(p.problems.length, 1, p.problems.join('\n'));
  assert.match(p.problems[0], /^our detection 3 /);
});

test('an extra detection of ours near the cut passes', () => {
  assert.deepEqual(compare(REFERENCE, [...REFERENCE, at(3, THRESHOLD + 0.002, 60, 0)]).problems, []);
});

test('a label mismatch fails: neither detection has a partner', () => {
  const p = compare(REFERENCE, withChange(REFERENCE, 1, { label: 3 }));
  assert.equal(p.problems.length, 2, p.problems.join('\n'));
  assert.equal(p.pairs.length, 2);
});

test('a box below the IoU minimum fails', () => {
  // a box of 9 x 9.9 inside the reference's 10 x 10: IoU 0.891
  const p = compare(REFERENCE, withChange(REFERENCE, 0, { box: [1, 0.1, 10, 10] }));
  assert.equal(p.problems.length, 2, p.problems.join('\n'));
});

test('a pair whose scores differ by more than the tolerance fails', () => {
  const p = compare(REFERENCE, withChange(REFERENCE, 1, { score: 0.72 }));
  assert.equal(p.problems.length, 1, p.problems.join('\n'));
  assert.match(p.problems[0], /score 0\.72 differs/);
  assert.ok(Math.abs(p.worst.scoreDiff - 0.02) < 1e-9);
});

test('a pair whose masks overlap too little fails', () => {
  const p = compareDetections(REFERENCE, REFERENCE, THRESHOLD, RULES, (i) => (i === 2 ? 0.79 : 1));
  assert.equal(p.problems.length, 1, p.problems.join('\n'));
  assert.match(p.problems[0], /mask IoU 0\.79 is below 0\.8/);
  assert.equal(p.worst.maskIou, 0.79);
});

test('each reference detection takes the best remaining box', () => {
  // IoU 0.96 and 0.98 with the reference's box: it takes the second; the first is a strong extra
  const p = compare([REFERENCE[0]], [at(1, 0.9, 0, 0.2), at(1, 0.9, 0, 0.1)]);
  assert.deepEqual(p.pairs.map((q) => q.ours), [1]);
  assert.equal(p.problems.length, 1, p.problems.join('\n'));
});

test('empty results agree', () => {
  assert.deepEqual(compare([], []).problems, []);
});

test('the cut is the score threshold unless the cap binds, then the lowest kept score', () => {
  assert.equal(detectionCut(REFERENCE, THRESHOLD, 4), THRESHOLD);
  assert.equal(detectionCut(REFERENCE, THRESHOLD, 3), 0.4);
  assert.equal(detectionCut([], THRESHOLD, 3), THRESHOLD);
});

test('at the cap, detections near the lowest kept score may trade places', () => {
  const ours = [REFERENCE[0], REFERENCE[1], at(1, 0.405, 60, 0)];
  assert.deepEqual(compare(REFERENCE, ours, detectionCut(REFERENCE, THRESHOLD, 3)).problems, []);
  assert.equal(compare(REFERENCE, ours, THRESHOLD).problems.length, 2);
});

// A 4x2 image: torchvision's two detections, the left and the right half (the second one's
// score is 0.5, or whatever a test gives), with the threshold 0.05 and a cap of 100.
function torchvisionResult(secondScore = 0.5) {
  return {
    boxes: new Float32Array([0, 0, 2, 2, 2, 0, 4, 2]), labels: new Float32Array([1, 1]),
    scores: new Float32Array([0.9, secondScore]), masks: new Uint8Array([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1]),
    scoreThreshold: 0.05, detectionsPerImg: 100,
  };
}
const half = (x, score, data = [1, 1, 1, 1]) => ({
  label: 1, score, box: [x, 0, x + 2, 2], mask: { x, y: 0, width: 2, height: 2, data: new Uint8Array(data) },
});

test('assertParity: our masks are compared with torchvision\'s, and the cut is the threshold it ran with', () => {
  const tol = PARITY_RULES.detections.score_diff_max;
  const result = { width: 4, height: 2, instances: [half(0, 0.9), half(2, 0.5)] };
  assert.equal(assertParity(result, torchvisionResult(), 'same').matched, 2);
  const halfMask = { ...result, instances: [half(0, 0.9), half(2, 0.5, [1, 0, 1, 0])] };
  assert.throws(() => assertParity(halfMask, torchvisionResult(), 'half mask'), /mask IoU 0\.5 is below/);
  const missing = { ...result, instances: [half(0, 0.9)] };
  assert.throws(() => assertParity(missing, torchvisionResult(), 'missing'), /reference detection 1 .* has no partner/);
  assert.equal(assertParity(missing, torchvisionResult(0.05 + tol / 2), 'missing at the cut').matched, 1);
  const unknownCut = torchvisionResult();
  delete unknownCut.scoreThreshold;
  assert.throws(() => assertParity(result, unknownCut, 'no threshold'), /score threshold and cap/);
});

test('the parity rules: every rule is read, a missing or meaningless one is refused', () => {
  const text = JSON.stringify({
    detections: { rule: 'text', box_iou_min: 0.5, score_diff_max: 0.25, mask_iou_min: 0.125 },
    int8_detections: { box_iou_min: 0.375, score_diff_max: 0.625, mask_iou_min: 0.75 },
    stages: { input_relative: 1e-6, feature_relative: 2e-6, mask_probability_absolute: 3e-6,
              proposals: { same_box_iou_min: 0.75, score_tie: 4e-6, in_order_fraction_min: 0.875 } },
  });
  assert.deepEqual(parseParityRules(text).detections, { rule: 'text', box_iou_min: 0.5, score_diff_max: 0.25, mask_iou_min: 0.125 });
  assert.deepEqual(parseParityRules(text).int8_detections, { box_iou_min: 0.375, score_diff_max: 0.625, mask_iou_min: 0.75 });
  assert.throws(() => parseParityRules(text.replace('0.625', '2')), /int8_detections\.score_diff_max/);
  assert.throws(() => parseParityRules('{"detections": {"box_iou_min": 0.5}}'), /detections\.score_diff_max/);
  assert.throws(() => parseParityRules(text.replace('0.25', '0')), /detections\.score_diff_max/);
  assert.throws(() => parseParityRules(text.replace('0.5', '"0.5"')), /detections\.box_iou_min/);
  assert.throws(() => parseParityRules(text.replace('0.875', '1.5')), /stages\.proposals\.in_order_fraction_min/);
});

test('the parity rules are the repository file\'s', () => {
  assert.deepEqual(PARITY_RULES, JSON.parse(readFileSync(PARITY_RULES_FILE, 'utf8')));
});
