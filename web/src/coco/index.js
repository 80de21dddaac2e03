// COCO evaluation and mask utilities.

export { IOU_THRESHOLDS, RECALL_THRESHOLDS, AREA_RANGES, MAX_DETECTIONS, IOU_TYPES } from './params.js';
export { encodeCountsString, decodeCountsString } from './rle-string.js';
export { countsArea, countsToBbox, mergeCounts, countsOverlap } from './rle-counts.js';
export {
  rleSize, rleCounts, compressRle, uncompressRle, maskToCounts, encodeMask, decodeMask, rleArea, rleToBbox, mergeRles,
} from './rle.js';
export { polygonToCounts, boxToCounts } from './polygon.js';
export { segmentationToCounts, segmentationToRle } from './segmentation.js';
export { boxIou, maskIou } from './iou.js';
export { sortedIds, maskOf, indexGroundTruth, loadResults } from './dataset.js';
export { evaluateImage } from './evaluate-image.js';
export { accumulate } from './accumulate.js';
export { SUMMARY_METRICS, summarize, formatFixed, formatSummary } from './summarize.js';
export { evaluate } from './evaluate.js';
