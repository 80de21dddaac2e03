// The twelve COCO summary numbers and pycocotools' printed table.

import { IOU_THRESHOLDS, AREA_RANGES, MAX_DETECTIONS, IOU_TYPES } from './params.js';

/** What each of the twelve numbers averages. */
export const SUMMARY_METRICS = Object.freeze([
  { name: 'AP', ap: true, iou: null, area: 'all', maxDets: 100 },
  { name: 'AP50', ap: true, iou: 0.5, area: 'all', maxDets: 100 },
  { name: 'AP75', ap: true, iou: 0.75, area: 'all', maxDets: 100 },
  { name: 'APs', ap: true, iou: null, area: 'small', maxDets: 100 },
  { name: 'APm', ap: true, iou: null, area: 'medium', maxDets: 100 },
  { name: 'APl', ap: true, iou: null, area: 'large', maxDets: 100 },
  { name: 'AR1', ap: false, iou: null, area: 'all', maxDets: 1 },
  { name: 'AR10', ap: false, iou: null, area: 'all', maxDets: 10 },
  { name: 'AR100', ap: false, iou: null, area: 'all', maxDets: 100 },
  { name: 'ARs', ap: false, iou: null, area: 'small', maxDets: 100 },
  { name: 'ARm', ap: false, iou: null, area: 'medium', maxDets: 100 },
  { name: 'ARl', ap: false, iou: null, area: 'large', maxDets: 100 },
].map(Object.freeze));

/**
 * The twelve summary numbers from accumulated precision and recall: each is the mean of the
 * entries that are not -1 (over IoU thresholds, recall thresholds and categories), or -1
 * when there is none.
 * @param {{ precision: Float64Array, recall: Float64Array, dims: { T: number, R: number, K: number, A: number, M: number } }} accumulated
 * @param {{ category?: number }} [options] index of one category to summarize alone
 * @returns {number[]}
 */
export function summarize({ precision, recall, dims }, { category } = {}) {
  const { T, R, K, A, M } = dims;
  const ks = category === undefined ? [...Array(K).keys()] : [category];
  return SUMMARY_METRICS.map(({ ap, iou, area, maxDets }) => {
    const ts = iou === null ? [...Array(T).keys()] : [IOU_THRESHOLDS.indexOf(iou)];
    const a = AREA_RANGES.findIndex((range) => range.label === area);
    const m = MAX_DETECTIONS.indexOf(maxDets);
    let sum = 0, count = 0;
    const add = (value) => { if (value > -1) { sum += value; count++; } };
    for (const t of ts) {
      if (ap) for (let r = 0; r < R; r++) for (const k of ks) add(precision[(((t * R + r) * K + k) * A + a) * M + m]);
      else for (const k of ks) add(recall[((t * K + k) * A + a) * M + m]);
    }
    return count === 0 ? -1 : sum / count;
  });
}

/**
 * A number with a fixed count of decimals, rounded as Python's format() rounds: to the
 * nearest, ties to even. (toFixed breaks exact ties away from zero: 0.0625 would give 0.063
 * where pycocotools prints 0.062.)
 * @param {number} value
 * @param {number} [digits]
 */
export function formatFixed(value, digits = 3) {
  const text = value.toFixed(digits);
  // An exact tie (|value| * 10^digits ending in exactly .5) is always a binary fraction with
  // at most digits + 1 bits after the point, and for those the scaling below is exact.
  const twice = Math.abs(value) * 2 ** (digits + 1);
  const scaled = Math.abs(value) * 10 ** digits;
  if (!Number.isInteger(twice) || scaled - Math.floor(scaled) !== 0.5) return text;
  const lower = Math.floor(scaled);
  const even = lower % 2 === 0 ? lower : lower + 1;
  const sign = value < 0 && even !== 0 ? '-' : '';
  const whole = Math.floor(even / 10 ** digits);
  const fraction = String(even % 10 ** digits).padStart(digits, '0');
  return digits > 0 ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
}

/**
 * The summary table, line for line as pycocotools prints it.
 * @param {ArrayLike<number>} stats the twelve numbers
 * @param {'bbox' | 'segm'} [iouType] both use the same detection table
 * @returns {string}
 */
export function formatSummary(stats, iouType = 'bbox') {
  if (!IOU_TYPES.includes(iouType)) throw new RangeError(`no summary table for iouType '${iouType}'`);
  if (stats.length !== SUMMARY_METRICS.length) throw new RangeError('expected the twelve summary numbers');
  return SUMMARY_METRICS.map(({ ap, iou, area, maxDets }, i) => {
    const title = (ap ? 'Average Precision' : 'Average Recall').padEnd(18);
    const kind = ap ? '(AP)' : '(AR)';
    const iouText = (iou === null
      ? `${IOU_THRESHOLDS[0].toFixed(2)}:${IOU_THRESHOLDS[IOU_THRESHOLDS.length - 1].toFixed(2)}`
      : iou.toFixed(2)).padEnd(9);
    return ` ${title} ${kind} @[ IoU=${iouText} | area=${area.padStart(6)} | maxDets=${String(maxDets).padStart(3)} ] = ${formatFixed(stats[i])}`;
  }).join('\n');
}
