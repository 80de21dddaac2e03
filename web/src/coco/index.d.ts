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
export type { AreaRange, IouType } from './params.js';
export type { Rle, CompressedRle, UncompressedRle } from './rle.js';
export type { Segmentation } from './segmentation.js';
export type {
  CocoImage, CocoCategory, CocoAnnotation, CocoDataset, CocoResult, GroundTruthRecord, DetectionRecord, GroundTruthIndex,
} from './dataset.js';
export type { GroundTruth, Detection, ImageEvaluation } from './evaluate-image.js';
export type { SummaryMetric, Accumulated } from './summarize.js';
export type { Evaluation } from './evaluate.js';
