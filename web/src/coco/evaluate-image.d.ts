export interface GroundTruth {
  id: number;
  area: number;
  crowd: boolean;
  /** ignored whatever the area range (crowd regions) */
  ignore: boolean;
}
export interface Detection {
  /** 1-based */
  id: number;
  area: number;
  score: number;
}
export interface ImageEvaluation {
  /** detections kept, highest score first */
  dtScores: number[];
  /** [T x D]: 1 where the detection matched a ground truth */
  dtMatched: Uint8Array;
  /** [T x D]: 1 where the detection does not count */
  dtIgnore: Uint8Array;
  /** [G]: 1 for ground truths that do not count, non-ignored ones first */
  gtIgnore: Uint8Array;
}
/** Greedy matching at every IoU threshold for one image, category and area range; null when there is nothing to match. */
export function evaluateImage(
  gts: readonly GroundTruth[],
  dts: readonly Detection[],
  ious: readonly ArrayLike<number>[],
  areaRange: { min: number; max: number },
  maxDet: number,
): ImageEvaluation | null;
