import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSummary, formatFixed } from '../../web/src/coco/index.js';

test('the summary table, line for line as pycocotools prints it', () => {
  const stats = [860 / 1010, 1, 1, 0.0625, -1, -1, 0.5, 0.85, 0.85, 0.1875, -1, 0];
  assert.equal(formatSummary(stats, 'bbox'), [
    ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.851',
    ' Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 1.000',
    ' Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 1.000',
    ' Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.062',
    ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = -1.000',
    ' Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = -1.000',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.500',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ] = 0.850',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.850',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.188',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = -1.000',
    ' Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.000',
  ].join('\n'));
  assert.equal(formatSummary(stats, 'segm'), formatSummary(stats, 'bbox'));
  assert.throws(() => formatSummary(stats, 'keypoints'), /no summary table/);
  assert.throws(() => formatSummary([1, 2, 3]), /twelve/);
});

test('three decimals rounded like Python: exact ties go to the even digit', () => {
  // k/16 for odd k are the only binary values that sit exactly halfway at three decimals
  assert.equal(formatFixed(0.0625), '0.062');
  assert.equal(formatFixed(0.1875), '0.188');
  assert.equal(formatFixed(0.3125), '0.312');
  assert.equal(formatFixed(0.9375), '0.938');
  assert.equal(formatFixed(-0.0625), '-0.062');
  // decimal literals that look halfway are not: 0.0005 is stored a little above, 1.0005 below
  assert.equal(formatFixed(0.0005), '0.001');
  assert.equal(formatFixed(1.0005), '1.000');
  assert.equal(formatFixed(-1), '-1.000');
});
