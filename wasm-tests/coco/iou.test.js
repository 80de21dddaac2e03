import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxIou, maskIou, encodeMask } from '../../web/src/coco/index.js';

test('box IoU, and the crowd rule (union = the detection\'s area)', () => {
  const dets = [[0, 0, 10, 10]];
  const gts = [[5, 0, 10, 10], [5, 0, 10, 10], [20, 20, 5, 5], [10, 0, 10, 10]];
  const [row] = boxIou(dets, gts, [0, 1, 0, 0]);
  // overlap 5 x 10 = 50; union 100 + 100 - 50 = 150
  assert.equal(row[0], 50 / 150);
  // crowd: 50 / 100
  assert.equal(row[1], 0.5);
  // apart, and touching along an edge
  assert.equal(row[2], 0);
  assert.equal(row[3], 0);
  assert.deepEqual(boxIou([], gts), []);
  assert.deepEqual(Array.from(boxIou(dets, [])[0]), []);
});

test('mask IoU, and the crowd rule', () => {
  const rows = (r0, r1) => encodeMask(Array.from({ length: 16 }, (_, i) => (Math.floor(i / 4) >= r0 && Math.floor(i / 4) <= r1 ? 1 : 0)), 4, 4);
  const cols = (c0, c1) => encodeMask(Array.from({ length: 16 }, (_, i) => (i % 4 >= c0 && i % 4 <= c1 ? 1 : 0)), 4, 4);
  const det = rows(0, 1); // top two rows: 8 pixels
  const gt = cols(0, 1); // left two columns: 8 pixels
  // overlap: the top-left 2x2 = 4; union 8 + 8 - 4 = 12
  const [[plain, crowd]] = maskIou([det], [gt, gt], [0, 1]);
  assert.equal(plain, 4 / 12);
  assert.equal(crowd, 4 / 8);
  // the same masks as uncompressed RLE
  const [[again]] = maskIou([{ size: [4, 4], counts: [0, 2, 2, 2, 2, 2, 2, 2, 2] }], [{ size: [4, 4], counts: [0, 8, 8] }]);
  assert.equal(again, 4 / 12);
  // no overlap, an empty detection, and masks of different sizes
  assert.equal(maskIou([rows(0, 0)], [rows(2, 3)])[0][0], 0);
  assert.equal(maskIou([{ size: [4, 4], counts: [16] }], [gt], [1])[0][0], 0);
  assert.equal(maskIou([{ size: [4, 5], counts: [0, 20] }], [gt])[0][0], -1);
});
