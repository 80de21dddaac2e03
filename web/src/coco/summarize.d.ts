export interface SummaryMetric {
  readonly name: 'AP' | 'AP50' | 'AP75' | 'APs' | 'APm' | 'APl' | 'AR1' | 'AR10' | 'AR100' | 'ARs' | 'ARm' | 'ARl';
  /** true for average precision, false for average recall */
  readonly ap: boolean;
  /** one IoU threshold, or null for the mean over .50:.05:.95 */
  readonly iou: number | null;
  readonly area: 'all' | 'small' | 'medium' | 'large';
  readonly maxDets: 1 | 10 | 100;
}
export interface Accumulated {
  /** [T][R][K][A][M] row-major; -1 where no ground truth counts */
  precision: Float64Array;
  /** [T][K][A][M] row-major; -1 where no ground truth counts */
  recall: Float64Array;
  dims: { T: number; R: number; K: number; A: number; M: number };
}

/** The twelve summary numbers, in pycocotools' order. */
export const SUMMARY_METRICS: readonly SummaryMetric[];
/** The twelve numbers (means over entries that are not -1; -1 if none), for all categories or one category index. */
export function summarize(accumulated: Accumulated, options?: { category?: number }): number[];
/** Fixed decimals rounded like Python's format(): to nearest, ties to even. */
export function formatFixed(value: number, digits?: number): string;
/** pycocotools' twelve-line summary table. */
export function formatSummary(stats: ArrayLike<number>, iouType?: 'bbox' | 'segm'): string;
