import type { CocoCategory, CocoImage, CocoResult } from './dataset.js';

export interface SegmentInstance { box: number[]; className: string; score: number; mask?: { rle?: string } }
export interface RgbaImage { data: Uint8Array | Uint8ClampedArray; width: number; height: number }

export function categoryIdsByName(categories: readonly CocoCategory[]): Map<string, number>;
/** One image's instances as COCO result records (a mask's rle as its segmentation); instances of unknown class names are left out and listed. */
export function resultToCoco(
  result: { instances: readonly SegmentInstance[] },
  image: { imageId: number; width: number; height: number; categoryIdByName: Map<string, number> },
): { records: CocoResult[]; unknownClasses: string[] };
/** Segments every image of the dataset (files under imagesDir by file_name) and returns COCO results. */
export function predictDataset(options: {
  segmenter: { segment(image: RgbaImage, options?: { scoreThreshold?: number; maxInstances?: number; rle?: boolean }): Promise<{ instances: readonly SegmentInstance[] }> };
  dataset: { images: readonly CocoImage[]; categories: readonly CocoCategory[] };
  imagesDir: string;
  readImage: (file: string) => Promise<RgbaImage>;
  scoreThreshold?: number;
  maxInstances?: number;
  onImage?: (progress: { index: number; total: number; file: string; instances: number }) => void;
}): Promise<{ results: CocoResult[]; unknownClasses: Map<string, number> }>;
