import { test } from 'node:test';
import { evaluate, encodeMask } from '../../web/src/coco/index.js';
import { assertStats } from './helpers.js';

// Mask evaluation on a 10x10 image. A polygon ground truth is rasterized by COCO's rule
// (pixel centres inside), tested on its own in polygon.test.js.
const IMAGE = { id: 1, width: 10, height: 10 };
const SQUARE = [[0, 0, 0, 4, 4, 4, 4, 0]]; // columns 0-3, rows 0-3: 16 pixels

function maskOf(inside) {
  const mask = new Uint8Array(100);
  for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) mask[y * 10 + x] = inside(x, y) ? 1 : 0;
  return encodeMask(mask, 10, 10);
}

test('mask IoU decides segm; box IoU decides bbox', () => {
  const data = {
    images: [IMAGE],
    categories: [{ id: 1, name: 'thing' }],
    annotations: [{ id: 1, image_id: 1, category_id: 1, segmentation: SQUARE, area: 16, bbox: [0, 0, 4, 4], iscrowd: 0 }],
  };
  // the detection's mask: rows 0-2 of columns 0-3 (12 pixels) plus the pixel (4, 0): 13
  // pixels, 12 of them in the square. Mask IoU = 12 / (16 + 13 - 12) = 12/17 = 0.706: a match
  // at t = .50 .. .70 (5 of 10) -> AP = 0.5, AP50 = 1, AP75 = 0; AR the same 0.5.
  // Its box [0,0,5,3] against [0,0,4,4]: overlap 4*3 = 12, union 16 + 15 - 12 = 19,
  // IoU 0.632: a match at .50 .55 .60 -> box AP 0.3.
  // Areas: ground truth 16, detection 15 (box w*h, as loadRes sets it): small.
  const segmentation = maskOf((x, y) => (x <= 3 && y <= 2) || (x === 4 && y === 0));
  const results = [{ image_id: 1, category_id: 1, bbox: [0, 0, 5, 3], segmentation, score: 0.9 }];
  assertStats(evaluate(data, results, { iouType: 'segm' }).stats, [0.5, 1, 0, 0.5, -1, -1, 0.5, 0.5, 0.5, 0.5, -1, -1]);
  assertStats(evaluate(data, results, { iouType: 'bbox' }).stats, [0.3, 1, 0, 0.3, -1, -1, 0.3, 0.3, 0.3, 0.3, -1, -1]);
});

test('crowd regions in uncompressed RLE: detections inside them are ignored', () => {
  const data = {
    images: [IMAGE],
    categories: [{ id: 1, name: 'thing' }],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, segmentation: SQUARE, area: 16, bbox: [0, 0, 4, 4], iscrowd: 0 },
      // columns 5-9, every row: 50 background pixels, then 50 foreground
      { id: 2, image_id: 1, category_id: 1, segmentation: { size: [10, 10], counts: [50, 50] }, area: 50, bbox: [5, 0, 5, 10], iscrowd: 1 },
    ],
  };
  // d1 0.9: a 2x2 mask inside the crowd region: crowd IoU = 4 / 4 = 1 -> ignored at every t
  //   (with the plain IoU, 4/50, it would be a false positive ranked first: AP 0.5)
  // d2 0.8: the square exactly -> TP. AP 1. AR@1 keeps d1 only: 0.
  // Results carry masks only, so the area is the mask's pixel count (4 and 16: small) and the
  // box is the mask's extent, which gives the same outcome for bbox.
  const results = [
    { image_id: 1, category_id: 1, segmentation: maskOf((x, y) => x >= 6 && x <= 7 && y <= 1), score: 0.9 },
    { image_id: 1, category_id: 1, segmentation: maskOf((x, y) => x <= 3 && y <= 3), score: 0.8 },
  ];
  const expected = [1, 1, 1, 1, -1, -1, 0, 1, 1, 1, -1, -1];
  assertStats(evaluate(data, results, { iouType: 'segm' }).stats, expected);
  assertStats(evaluate(data, results, { iouType: 'bbox' }).stats, expected);
});

test('compressed RLE ground truth, and box-only results scored as masks through their polygons', () => {
  const data = {
    images: [IMAGE],
    categories: [{ id: 1, name: 'thing' }],
    // columns 2-4, rows 3-6, given as compressed RLE; area and bbox left out to be computed
    annotations: [{ id: 1, image_id: 1, category_id: 1, segmentation: maskOf((x, y) => x >= 2 && x <= 4 && y >= 3 && y <= 6), iscrowd: 0 }],
  };
  // the box [2,3,3,4] as a polygon covers the same 12 pixels: IoU 1 everywhere
  const results = [{ image_id: 1, category_id: 1, bbox: [2, 3, 3, 4], score: 0.7 }];
  assertStats(evaluate(data, results, { iouType: 'segm' }).stats, [1, 1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1]);
  assertStats(evaluate(data, results, { iouType: 'bbox' }).stats, [1, 1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1]);
});
