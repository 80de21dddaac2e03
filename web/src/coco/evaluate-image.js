// Matching of one image's detections to its ground truths for one category and one area
// range, at every IoU threshold (pycocotools' COCOeval.evaluateImg).

import { IOU_THRESHOLDS } from './params.js';

/**
 * @typedef {object} GroundTruth
 * @property {number} id
 * @property {number} area
 * @property {boolean} crowd
 * @property {boolean} ignore   crowd regions are ignored
 *
 * @typedef {object} Detection
 * @property {number} id        1-based
 * @property {number} area
 * @property {number} score
 *
 * @typedef {object} ImageEvaluation
 * @property {number[]} dtScores       detections, highest score first, at most maxDet
 * @property {Uint8Array} dtMatched    [T x D] 1 where the detection matched a ground truth
 * @property {Uint8Array} dtIgnore     [T x D] 1 where the detection does not count
 * @property {Uint8Array} gtIgnore     [G] 1 for ignored ground truths
 */

/**
 * @param {GroundTruth[]} gts in annotation order
 * @param {Detection[]} dts sorted by score, highest first (stable)
 * @param {ArrayLike<number>[]} ious [dts.length][gts.length], in the same orders
 * @param {{ min: number, max: number }} areaRange inclusive
 * @param {number} maxDet
 * @returns {ImageEvaluation | null} null when there is neither a ground truth nor a detection
 */
export function evaluateImage(gts, dts, ious, areaRange, maxDet) {
  if (gts.length === 0 && dts.length === 0) return null;
  const outside = (area) => area < areaRange.min || area > areaRange.max;

  // ground truths that do not count go last, keeping their order otherwise
  const gtIgnoreOf = gts.map((g) => (g.ignore || outside(g.area) ? 1 : 0));
  const order = gts.map((_, g) => g).sort((a, b) => gtIgnoreOf[a] - gtIgnoreOf[b]);
  const gtIgnore = Uint8Array.from(order, (g) => gtIgnoreOf[g]);
  const crowd = order.map((g) => gts[g].crowd);

  const dt = dts.slice(0, maxDet);
  const T = IOU_THRESHOLDS.length, D = dt.length, G = gts.length;
  const dtMatchedGtId = new Float64Array(T * D);
  const gtMatchedDtId = new Float64Array(T * G);
  const dtIgnore = new Uint8Array(T * D);

  if (D > 0 && G > 0) {
    for (let t = 0; t < T; t++) {
      for (let d = 0; d < D; d++) {
        let best = Math.min(IOU_THRESHOLDS[t], 1 - 1e-10);
        let m = -1;
        for (let gi = 0; gi < G; gi++) {
          // a ground truth is taken once, except a crowd region which takes any number
          if (gtMatchedDtId[t * G + gi] > 0 && !crowd[gi]) continue;
          // once matched to a ground truth that counts, never settle for an ignored one
          if (m > -1 && gtIgnore[m] === 0 && gtIgnore[gi] === 1) break;
          const iou = ious[d][order[gi]];
          if (iou < best) continue;
          best = iou;
          m = gi;
        }
        if (m === -1) continue;
        dtIgnore[t * D + d] = gtIgnore[m];
        dtMatchedGtId[t * D + d] = gts[order[m]].id;
        gtMatchedDtId[t * G + m] = dt[d].id;
      }
    }
  }

  // A match is recorded by the ground truth's id, as in pycocotools, so a ground truth whose
  // id is 0 counts as no match. Unmatched detections outside the area range do not count.
  const dtMatched = new Uint8Array(T * D);
  for (let t = 0; t < T; t++) {
    for (let d = 0; d < D; d++) {
      const i = t * D + d;
      dtMatched[i] = dtMatchedGtId[i] !== 0 ? 1 : 0;
      if (!dtMatched[i] && outside(dt[d].area)) dtIgnore[i] = 1;
    }
  }
  return { dtScores: dt.map((d) => d.score), dtMatched, dtIgnore, gtIgnore };
}
