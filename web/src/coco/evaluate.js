// COCO detection evaluation, box or mask, matching pycocotools' COCOeval (evaluate,
// accumulate, summarize) with its default parameters.

import { AREA_RANGES, IOU_THRESHOLDS, IOU_TYPES, MAX_DETECTIONS, RECALL_THRESHOLDS } from './params.js';
import { indexGroundTruth, loadResults, maskOf } from './dataset.js';
import { boxIou, maskIou } from './iou.js';
import { evaluateImage } from './evaluate-image.js';
import { accumulate } from './accumulate.js';
import { summarize, SUMMARY_METRICS } from './summarize.js';

/** Detections by score, highest first; ties keep their order (a stable sort, like numpy's mergesort). */
function byScore(dts) {
  return [...dts].sort((a, b) => b.score - a.score);
}

/**
 * @param {object} annotations parsed COCO annotations JSON (images, categories, annotations)
 * @param {object[]} results parsed COCO results JSON
 * @param {{ iouType: 'bbox' | 'segm' }} options
 */
export function evaluate(annotations, results, { iouType } = {}) {
  if (!IOU_TYPES.includes(iouType)) throw new RangeError(`iouType must be 'bbox' or 'segm', not ${JSON.stringify(iouType)}`);
  const gt = indexGroundTruth(annotations);
  const dts = loadResults(gt, results);
  const { imageIds, categoryIds } = gt;
  const I = imageIds.length, K = categoryIds.length, A = AREA_RANGES.length;
  const imageIndex = new Map(imageIds.map((id, i) => [id, i]));
  const categoryIndex = new Map(categoryIds.map((id, k) => [id, k]));

  // ground truths and detections of each (image, category); detections of categories that
  // the annotations do not list are left out, as pycocotools leaves them out
  const cells = new Map();
  const cellOf = (record) => {
    const i = imageIndex.get(record.image_id), k = categoryIndex.get(record.category_id);
    if (i === undefined || k === undefined) return null;
    const key = k * I + i;
    if (!cells.has(key)) cells.set(key, { i, k, gts: [], dts: [] });
    return cells.get(key);
  };
  for (const g of gt.annotations) cellOf(g).gts.push(g);
  for (const d of dts) cellOf(d)?.dts.push(d);

  const region = iouType === 'bbox'
    ? (record, label) => {
      if (!Array.isArray(record.bbox) || record.bbox.length !== 4) throw new TypeError(`${label} has no bbox`);
      return record.bbox;
    }
    : (record, label) => maskOf(record, gt.images, label);
  const overlap = iouType === 'bbox' ? boxIou : maskIou;
  const maxDet = MAX_DETECTIONS[MAX_DETECTIONS.length - 1];

  const evaluations = new Array(K * A * I).fill(null);
  for (const { i, k, gts, dts: cellDts } of cells.values()) {
    const ranked = byScore(cellDts).slice(0, maxDet);
    // masks are decoded per cell and dropped after it, to keep memory flat on large sets
    const ious = gts.length > 0 && ranked.length > 0
      ? overlap(
        ranked.map((d) => region(d, `result ${d.id - 1}`)),
        gts.map((g) => region(g, `annotation ${g.id}`)),
        gts.map((g) => g.crowd),
      )
      : [];
    for (let a = 0; a < A; a++) {
      evaluations[(k * A + a) * I + i] = evaluateImage(gts, ranked, ious, AREA_RANGES[a], maxDet);
    }
  }

  const accumulated = accumulate(evaluations, { K, A, I, maxDets: MAX_DETECTIONS });
  const stats = summarize(accumulated);
  return {
    iouType,
    stats,
    metrics: Object.fromEntries(SUMMARY_METRICS.map(({ name }, n) => [name, stats[n]])),
    perCategory: categoryIds.map((id, k) => ({
      id,
      name: gt.categories.get(id).name,
      stats: summarize(accumulated, { category: k }),
    })),
    ...accumulated,
    params: {
      iouThresholds: IOU_THRESHOLDS,
      recallThresholds: RECALL_THRESHOLDS,
      areaRanges: AREA_RANGES,
      maxDets: MAX_DETECTIONS,
      imageIds,
      categoryIds,
    },
  };
}
