// Precision/recall accumulation over images (pycocotools' COCOeval.accumulate): for each
// category, area range and detection limit, all images' detections are ranked by score and
// the precision is read at 101 recall points from its monotone envelope.

import { IOU_THRESHOLDS, RECALL_THRESHOLDS } from './params.js';

const EPSILON = 2.220446049250313e-16; // numpy.spacing(1), keeps 0 / 0 at 0

/**
 * @param {(import('./evaluate-image.js').ImageEvaluation | null)[]} evaluations
 *   indexed [k][a][i] flattened: (k * A + a) * I + i, images in ascending id order
 * @param {{ K: number, A: number, I: number, maxDets: readonly number[] }} shape
 * @returns {{ precision: Float64Array, recall: Float64Array, dims: { T: number, R: number, K: number, A: number, M: number } }}
 *   precision[t][r][k][a][m] and recall[t][k][a][m] in row-major order, -1 where nothing counts
 */
export function accumulate(evaluations, { K, A, I, maxDets }) {
  const T = IOU_THRESHOLDS.length, R = RECALL_THRESHOLDS.length, M = maxDets.length;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);

  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      const E = evaluations.slice((k * A + a) * I, (k * A + a + 1) * I).filter(Boolean);
      if (E.length === 0) continue;
      let positives = 0;
      for (const e of E) for (const ignored of e.gtIgnore) if (!ignored) positives++;
      if (positives === 0) continue;

      for (let m = 0; m < M; m++) {
        // every image's best maxDets[m] detections, ranked together (stable by image order)
        const ranked = [];
        for (const e of E) {
          const D = e.dtScores.length;
          for (let d = 0; d < Math.min(maxDets[m], D); d++) ranked.push({ e, d, D, score: e.dtScores[d] });
        }
        ranked.sort((x, y) => y.score - x.score);
        const n = ranked.length;

        for (let t = 0; t < T; t++) {
          const rc = new Float64Array(n), pr = new Float64Array(n);
          let tp = 0, fp = 0;
          for (let j = 0; j < n; j++) {
            const { e, d, D } = ranked[j];
            if (!e.dtIgnore[t * D + d]) {
              if (e.dtMatched[t * D + d]) tp++;
              else fp++;
            }
            rc[j] = tp / positives;
            pr[j] = tp / (fp + tp + EPSILON);
          }
          recall[((t * K + k) * A + a) * M + m] = n > 0 ? rc[n - 1] : 0;

          // precision envelope: the best precision at this recall or any higher one
          for (let j = n - 1; j > 0; j--) if (pr[j] > pr[j - 1]) pr[j - 1] = pr[j];

          // at each recall threshold, the first rank reaching it; none left reads as 0
          let j = 0;
          for (let r = 0; r < R; r++) {
            while (j < n && rc[j] < RECALL_THRESHOLDS[r]) j++;
            precision[(((t * R + r) * K + k) * A + a) * M + m] = j < n ? pr[j] : 0;
          }
        }
      }
    }
  }
  return { precision, recall, dims: { T, R, K, A, M } };
}
