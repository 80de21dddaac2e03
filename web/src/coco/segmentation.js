// An annotation's `segmentation` in any of COCO's three forms, read as pycocotools' annToRLE
// reads it:
//   - a list of polygons [[x0, y0, x1, y1, ...], ...], rasterized at the image size and
//     united (a list whose first entry has exactly four numbers is read as boxes
//     [x, y, w, h], as frPyObjects does);
//   - uncompressed RLE { size, counts: number[] } (typically crowd regions);
//   - compressed RLE { size, counts: string }.
// RLE objects keep their own size.

import { rleCounts, rleSize } from './rle.js';
import { encodeCountsString } from './rle-string.js';
import { mergeCounts } from './rle-counts.js';
import { polygonToCounts, boxToCounts } from './polygon.js';

/**
 * @param {unknown} segmentation
 * @param {number} height image height, for polygons
 * @param {number} width image width, for polygons
 * @returns {{ size: [number, number], counts: number[] }}
 */
export function segmentationToCounts(segmentation, height, width) {
  if (Array.isArray(segmentation)) {
    const first = segmentation[0];
    if (!Array.isArray(first)) {
      throw new TypeError('polygon segmentation must be a non-empty list of lists of coordinates');
    }
    let rasterize;
    if (first.length === 4) rasterize = boxToCounts;
    else if (first.length > 4) rasterize = polygonToCounts;
    else throw new TypeError(`polygon has ${first.length} coordinates; at least 6 are needed`);
    let counts = rasterize(segmentation[0], height, width);
    for (const part of segmentation.slice(1)) counts = mergeCounts(counts, rasterize(part, height, width));
    return { size: [height, width], counts };
  }
  if (segmentation && typeof segmentation === 'object' && 'counts' in segmentation) {
    return { size: rleSize(segmentation), counts: rleCounts(segmentation) };
  }
  throw new TypeError('segmentation must be polygons, or an RLE object with size and counts');
}

/**
 * A segmentation in any form as a compressed RLE object.
 * @returns {{ size: [number, number], counts: string }}
 */
export function segmentationToRle(segmentation, height, width) {
  const { size, counts } = segmentationToCounts(segmentation, height, width);
  return { size, counts: encodeCountsString(counts) };
}
