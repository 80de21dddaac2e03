import type { ImageEvaluation } from './evaluate-image.js';
import type { Accumulated } from './summarize.js';

/** Precision at 101 recall points and final recall, per IoU threshold, category, area range and maxDets. */
export function accumulate(
  evaluations: readonly (ImageEvaluation | null)[],
  shape: { K: number; A: number; I: number; maxDets: readonly number[] },
): Accumulated;
