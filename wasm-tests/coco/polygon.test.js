import { test } from 'node:test';
import assert from 'node:assert/strict';
import { polygonToCounts, boxToCounts, segmentationToCounts, segmentationToRle, decodeMask } from '../../web/src/coco/index.js';

// COCO's convention: pixel (column x, row y) is the square [x, x+1) x [y, y+1) and belongs to
// the polygon when its centre (x + 0.5, y + 0.5) lies inside. The expected masks below are
// built from that rule, pixel by pixel.
function maskWhere(height, width, inside) {
  const mask = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) mask[y * width + x] = inside(x, y) ? 1 : 0;
  return mask;
}
const rasterize = (xy, height, width) => decodeMask({ size: [height, width], counts: polygonToCounts(xy, height, width) });

test('an axis-aligned rectangle with integer corners covers exactly its pixels', () => {
  // corners (1,1)-(4,3): columns 1..3 and rows 1..2, 3 x 2 = 6 pixels
  const mask = rasterize([1, 1, 1, 3, 4, 3, 4, 1], 5, 6);
  assert.deepEqual(mask, maskWhere(5, 6, (x, y) => x >= 1 && x <= 3 && y >= 1 && y <= 2));
  // the same rectangle walked the other way round
  assert.deepEqual(rasterize([1, 1, 4, 1, 4, 3, 1, 3], 5, 6), mask);
  // hand-written run lengths: column 0 (5) + row 0 of column 1 = 6 background, rows 1-2,
  // rows 3-4 of column 1 and row 0 of column 2 = 3 background, ..., rows 3-4 of column 3 and
  // columns 4-5 = 2 + 10 = 12
  assert.deepEqual(polygonToCounts([1, 1, 1, 3, 4, 3, 4, 1], 5, 6), [6, 2, 3, 2, 3, 2, 12]);
});

test('a box [x, y, w, h] is rasterized as its polygon', () => {
  assert.deepEqual(
    decodeMask({ size: [4, 5], counts: boxToCounts([1, 0, 3, 2], 4, 5) }),
    maskWhere(4, 5, (x, y) => x >= 1 && x <= 3 && y <= 1),
  );
  assert.deepEqual(boxToCounts([0, 0, 5, 4], 4, 5), [0, 20]); // the whole image
});

test('a right triangle: pixels whose centres are inside', () => {
  // (0,0), (6,0), (0,3): inside where y < 3 - x/2. For column x the centre x + 0.5 gives
  // y < 2.75, 2.25, 1.75, 1.25, 0.75, 0.25; rows whose centre y + 0.5 is below that:
  // column 0 rows 0-2, columns 1-2 rows 0-1, columns 3-4 row 0, column 5 none: 9 pixels.
  // No centre lies on an edge, and on the five-times grid the hypotenuse from (30,0) to
  // (0,15) is at row floor(15.5 - u/2) at fine column u; at the crossing of column x's
  // centre (u = 5x + 3) that is 14, 11, 9, 6, 4, 1, whose first row below, ceil((v - 2) / 5),
  // is 3, 2, 2, 1, 1, 0: the same rows.
  const expected = maskWhere(4, 7, (x, y) => y + 0.5 < 3 - (x + 0.5) / 2);
  assert.equal(expected.reduce((a, b) => a + b), 9);
  assert.deepEqual(rasterize([0, 0, 6, 0, 0, 3], 4, 7), expected);
});

test('fractional corners: the pixel centres inside decide', () => {
  // (0.4, 0.4)-(2.6, 2.6) contains the centres 0.5, 1.5 and 2.5 on both axes
  assert.deepEqual(rasterize([0.4, 0.4, 2.6, 0.4, 2.6, 2.6, 0.4, 2.6], 4, 4), maskWhere(4, 4, (x, y) => x <= 2 && y <= 2));
});

test('parts outside the image are cut off', () => {
  // (-2,-2)-(2,10) in a 4x4 image: columns 0-1, every row
  assert.deepEqual(rasterize([-2, -2, -2, 10, 2, 10, 2, -2], 4, 4), maskWhere(4, 4, (x) => x <= 1));
  // entirely outside: empty
  assert.deepEqual(polygonToCounts([10, 10, 10, 12, 12, 12, 12, 10], 4, 4), [16]);
});

test('polygon lists are united; RLE segmentations keep their own size', () => {
  const twoParts = [[0, 0, 0, 2, 2, 2, 2, 0], [3, 2, 3, 4, 5, 4, 5, 2]];
  const { size, counts } = segmentationToCounts(twoParts, 4, 6);
  assert.deepEqual(size, [4, 6]);
  assert.deepEqual(
    decodeMask({ size, counts }),
    maskWhere(4, 6, (x, y) => (x <= 1 && y <= 1) || (x >= 3 && x <= 4 && y >= 2)),
  );
  // uncompressed RLE, as crowd annotations carry it; the image size passed is not used
  assert.deepEqual(segmentationToCounts({ size: [2, 3], counts: [1, 4, 1] }, 99, 99), { size: [2, 3], counts: [1, 4, 1] });
  // compressed RLE
  assert.deepEqual(segmentationToCounts({ size: [3, 4], counts: '321O0010' }, 0, 0).counts, [3, 2, 1, 1, 1, 1, 2, 1]);
  assert.deepEqual(segmentationToRle({ size: [2, 3], counts: [1, 4, 1] }, 0, 0), { size: [2, 3], counts: '141' });
});

test('a polygon list whose first entry has four numbers is read as boxes, as pycocotools does', () => {
  // [[1, 1, 2, 2]] is the box x=1, y=1, w=2, h=2, not a two-point polygon
  assert.deepEqual(
    decodeMask({ size: [4, 4], counts: segmentationToCounts([[1, 1, 2, 2]], 4, 4).counts }),
    maskWhere(4, 4, (x, y) => x >= 1 && x <= 2 && y >= 1 && y <= 2),
  );
});

test('unusable segmentations are refused', () => {
  assert.throws(() => segmentationToCounts([], 4, 4), /non-empty list/);
  assert.throws(() => segmentationToCounts([1, 2, 3, 4, 5, 6], 4, 4), /list of lists/);
  assert.throws(() => segmentationToCounts([[1, 2]], 4, 4), /at least 6/);
  assert.throws(() => segmentationToCounts('abc', 4, 4), /polygons, or an RLE/);
});
