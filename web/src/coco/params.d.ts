export interface AreaRange {
  readonly label: 'all' | 'small' | 'medium' | 'large';
  readonly min: number;
  readonly max: number;
}
export type IouType = 'bbox' | 'segm';

export const IOU_THRESHOLDS: readonly number[];
export const RECALL_THRESHOLDS: readonly number[];
export const AREA_RANGES: readonly AreaRange[];
export const MAX_DETECTIONS: readonly number[];
export const IOU_TYPES: readonly IouType[];
