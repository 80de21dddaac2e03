import type { Architecture } from './architecture.js';

/** Option name -> [config key, kind, lowest value]. */
export const POSTPROCESS_OPTIONS: Record<string, [string, 'int' | 'float', number]>;
/** The command-line flag of a postprocess key: box_detections_per_img -> --detections-per-img. */
export function postprocessFlag(key: string): string;
/** The label list (index 0 = background) for a model with numClasses outputs. */
export function resolveLabels(numClasses: number, labels?: readonly string[] | null): string[];
/** The configuration (floats as PyFloat, for pythonJson). */
export function buildConfig(arch: Architecture, options?: {
  labels?: readonly string[] | null; minSize?: number | null; maxSize?: number | null; bnEps?: number | null;
  postprocess?: Record<string, number | null | undefined>;
}): Record<string, unknown>;
