// Intersection over union between detections and ground truths, for boxes and masks, with
// COCO's crowd rule: against a crowd ground truth the union is the detection's own area, so a
// detection lying inside a crowd region scores 1 however large the region is.

import { rleCounts, rleSize } from './rle.js';
import { countsArea, countsToBbox, countsOverlap } from './rle-counts.js';

/**
 * IoU of boxes [x, y, width, height].
 * @param {ArrayLike<ArrayLike<number>>} dets
 * @param {ArrayLike<ArrayLike<number>>} gts
 * @param {ArrayLike<boolean | number>} [iscrowd] one flag per ground truth
 * @returns {Float64Array[]} one row per detection, one column per ground truth
 */
export function boxIou(dets, gts, iscrowd = []) {
  const rows = [];
  for (let d = 0; d < dets.length; d++) {
    const D = dets[d];
    const detArea = D[2] * D[3];
    const row = new Float64Array(gts.length);
    for (let g = 0; g < gts.length; g++) {
      const G = gts[g];
      const w = Math.min(D[2] + D[0], G[2] + G[0]) - Math.max(D[0], G[0]);
      if (w <= 0) continue;
      const h = Math.min(D[3] + D[1], G[3] + G[1]) - Math.max(D[1], G[1]);
      if (h <= 0) continue;
      const intersection = w * h;
      const union = iscrowd[g] ? detArea : detArea + G[2] * G[3] - intersection;
      row[g] = intersection / union;
    }
    rows.push(row);
  }
  return rows;
}

/**
 * IoU of masks given as RLE objects (compressed or not). Pairs whose bounding boxes do not
 * overlap are 0 without walking the runs; masks of different sizes give -1, as in COCO.
 * @param {ArrayLike<{ size: [number, number], counts: string | ArrayLike<number> }>} dets
 * @param {ArrayLike<{ size: [number, number], counts: string | ArrayLike<number> }>} gts
 * @param {ArrayLike<boolean | number>} [iscrowd] one flag per ground truth
 * @returns {Float64Array[]} one row per detection, one column per ground truth
 */
export function maskIou(dets, gts, iscrowd = []) {
  const prepare = (rle) => {
    const [height, width] = rleSize(rle);
    // plain arrays are used as given (the evaluation passes counts it has already checked)
    const counts = Array.isArray(rle.counts) ? rle.counts : rleCounts(rle);
    return { height, width, counts, box: countsToBbox(counts, height, width) };
  };
  const D = Array.from(dets, prepare);
  const G = Array.from(gts, prepare);
  const rows = boxIou(D.map((m) => m.box), G.map((m) => m.box), iscrowd);
  for (let d = 0; d < D.length; d++) {
    for (let g = 0; g < G.length; g++) {
      if (!(rows[d][g] > 0)) continue;
      if (D[d].height !== G[g].height || D[d].width !== G[g].width) { rows[d][g] = -1; continue; }
      const { intersection, union } = countsOverlap(D[d].counts, G[g].counts);
      if (intersection === 0) rows[d][g] = 0;
      else rows[d][g] = intersection / (iscrowd[g] ? countsArea(D[d].counts) : union);
    }
  }
  return rows;
}
