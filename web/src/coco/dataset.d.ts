import type { Segmentation } from './segmentation.js';

export interface CocoImage { id: number; width?: number; height?: number; file_name?: string; [key: string]: unknown }
export interface CocoCategory { id: number; name: string; [key: string]: unknown }
export interface CocoAnnotation {
  id: number; image_id: number; category_id: number;
  bbox?: [number, number, number, number]; area?: number; iscrowd?: 0 | 1 | boolean;
  segmentation?: Segmentation; [key: string]: unknown;
}
export interface CocoDataset { images: CocoImage[]; categories: CocoCategory[]; annotations: CocoAnnotation[]; [key: string]: unknown }
export interface CocoResult {
  image_id: number; category_id: number; score: number;
  bbox?: [number, number, number, number]; segmentation?: Segmentation; [key: string]: unknown;
}

export interface GroundTruthRecord {
  id: number; image_id: number; category_id: number; area: number;
  bbox: [number, number, number, number] | undefined; crowd: boolean; ignore: boolean; segmentation: Segmentation | undefined;
}
export interface DetectionRecord {
  /** 1-based position in the results list */
  id: number; image_id: number; category_id: number; score: number; area: number;
  bbox: [number, number, number, number]; segmentation: Segmentation;
}
export interface GroundTruthIndex {
  images: Map<number, CocoImage>;
  categories: Map<number, CocoCategory>;
  imageIds: number[];
  categoryIds: number[];
  annotations: GroundTruthRecord[];
}

/** Unique ids, ascending. */
export function sortedIds<T>(ids: Iterable<T>): T[];
/** Run lengths of a record's segmentation; polygons are rasterized at its image's size. `label` names it in errors. */
export function maskOf(record: { image_id: unknown; segmentation?: Segmentation }, images: ReadonlyMap<number, CocoImage>, label: string): { size: [number, number]; counts: number[] };
/** Ground truth as pycocotools indexes it (missing area/bbox computed; ignore = iscrowd). */
export function indexGroundTruth(dataset: CocoDataset): GroundTruthIndex;
/** Detections as COCO.loadRes prepares them; throws for results on images that are not in the annotations. */
export function loadResults(gt: GroundTruthIndex, results: readonly CocoResult[]): DetectionRecord[];
