import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexGroundTruth, loadResults } from '../../web/src/coco/index.js';

const DATA = {
  images: [{ id: 1, width: 4, height: 3 }, { id: 2, width: 50, height: 50 }],
  categories: [{ id: 1, name: 'thing' }],
  annotations: [],
};
// the 3x4 mask of rle.test.js: 5 pixels in columns 1-3, rows 0-2
const MASK = { size: [3, 4], counts: '321O0010' };

test('results with boxes: area is w * h even when a mask is given; a missing mask becomes the box polygon', () => {
  const gt = indexGroundTruth(DATA);
  const input = [
    { image_id: 1, category_id: 1, bbox: [0, 0, 40, 40], segmentation: MASK, score: 0.9 },
    { image_id: 2, category_id: 1, bbox: [1, 2, 3, 4], score: 0.8 },
  ];
  const copy = structuredClone(input);
  const [withMask, boxOnly] = loadResults(gt, input);
  assert.deepEqual(withMask, { id: 1, image_id: 1, category_id: 1, score: 0.9, bbox: [0, 0, 40, 40], area: 1600, segmentation: MASK });
  // polygon x1,y1, x1,y2, x2,y2, x2,y1 with x2 = 1+3, y2 = 2+4
  assert.deepEqual(boxOnly, { id: 2, image_id: 2, category_id: 1, score: 0.8, bbox: [1, 2, 3, 4], area: 12, segmentation: [[1, 2, 1, 6, 4, 6, 4, 2]] });
  assert.deepEqual(input, copy, 'the input is left as it was');
});

test('results with masks only: area is the pixel count and bbox the mask\'s extent', () => {
  const gt = indexGroundTruth(DATA);
  const [d] = loadResults(gt, [{ image_id: 1, category_id: 1, segmentation: MASK, score: 0.5 }]);
  assert.equal(d.area, 5);
  assert.deepEqual(d.bbox, [1, 0, 3, 3]);
  // the first result decides: after a mask-only one, a later result's bbox is kept but its
  // area is still its pixel count
  const [, e] = loadResults(gt, [
    { image_id: 1, category_id: 1, segmentation: MASK, score: 0.5 },
    { image_id: 1, category_id: 1, segmentation: MASK, bbox: [9, 9, 1, 1], score: 0.5 },
  ]);
  assert.deepEqual(e.bbox, [9, 9, 1, 1]);
  assert.equal(e.area, 5);
});

test('results that cannot be read are refused with a reason', () => {
  const gt = indexGroundTruth(DATA);
  assert.throws(() => loadResults(gt, [{ image_id: 99, category_id: 1, bbox: [0, 0, 1, 1], score: 1 }]), /image_id 99, which is not an image of the annotations/);
  assert.throws(() => loadResults(gt, { image_id: 1 }), /array of detections/);
  assert.throws(() => loadResults(gt, [{ image_id: 1, category_id: 1, bbox: [0, 0, 1, 1] }]), /result 0 has no numeric score/);
  assert.throws(() => loadResults(gt, [{ image_id: 1, category_id: 1, score: 1 }]), /need a bbox or a segmentation/);
  assert.throws(() => loadResults(gt, [{ image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], score: 1 }, { image_id: 1, category_id: 1, score: 1 }]), /result 1 has no bbox/);
  assert.deepEqual(loadResults(gt, []), []);
});

test('ground truth: missing area and bbox are computed; annotations off the lists are skipped', () => {
  const gt = indexGroundTruth({
    images: [{ id: 1, width: 10, height: 10 }],
    categories: [{ id: 1, name: 'thing' }],
    annotations: [
      // the polygon covers columns 0-3, rows 0-3: 16 pixels
      { id: 1, image_id: 1, category_id: 1, segmentation: [[0, 0, 0, 4, 4, 4, 4, 0]] },
      { id: 2, image_id: 1, category_id: 1, bbox: [0, 0, 3, 5], iscrowd: 1 },
      { id: 3, image_id: 7, category_id: 1, bbox: [0, 0, 3, 5] },
      { id: 4, image_id: 1, category_id: 9, bbox: [0, 0, 3, 5] },
    ],
  });
  assert.deepEqual(gt.annotations.map((a) => [a.id, a.area, a.bbox, a.crowd, a.ignore]), [
    [1, 16, [0, 0, 4, 4], false, false],
    [2, 15, [0, 0, 3, 5], true, true],
  ]);
  assert.throws(() => indexGroundTruth({ images: [], categories: [] }), /'annotations' array/);
});
