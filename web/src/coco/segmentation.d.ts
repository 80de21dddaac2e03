import type { CompressedRle, Rle } from './rle.js';

/** Polygons [[x0, y0, ...], ...], uncompressed RLE or compressed RLE. */
export type Segmentation = number[][] | Rle;

/** Run lengths of a segmentation; polygons are rasterized at height x width and united. */
export function segmentationToCounts(segmentation: Segmentation, height: number, width: number): { size: [number, number]; counts: number[] };
/** A segmentation as compressed RLE, as pycocotools' annToRLE gives it. */
export function segmentationToRle(segmentation: Segmentation, height: number, width: number): CompressedRle;
