import type { CocoDataset, CocoResult } from './dataset.js';
import type { AreaRange, IouType } from './params.js';
import type { SummaryMetric } from './summarize.js';

export interface Evaluation {
  iouType: IouType;
  /** AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl; -1 where nothing counts */
  stats: number[];
  /** the same twelve numbers by name */
  metrics: Record<SummaryMetric['name'], number>;
  /** the twelve numbers of each category alone, by ascending category id */
  perCategory: { id: number; name: string; stats: number[] }[];
  /** [T][R][K][A][M] row-major; -1 where no ground truth counts */
  precision: Float64Array;
  /** [T][K][A][M] row-major; -1 where no ground truth counts */
  recall: Float64Array;
  dims: { T: number; R: number; K: number; A: number; M: number };
  params: {
    iouThresholds: readonly number[];
    recallThresholds: readonly number[];
    areaRanges: readonly AreaRange[];
    maxDets: readonly number[];
    imageIds: number[];
    categoryIds: number[];
  };
}

/** COCO evaluation of results against annotations, as pycocotools' COCOeval computes it. */
export function evaluate(annotations: CocoDataset, results: readonly CocoResult[], options: { iouType: IouType }): Evaluation;
