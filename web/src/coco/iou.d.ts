import type { Rle } from './rle.js';

/** IoU of [x, y, w, h] boxes; rows are detections, columns ground truths; crowd columns use the detection's area as union. */
export function boxIou(dets: ArrayLike<ArrayLike<number>>, gts: ArrayLike<ArrayLike<number>>, iscrowd?: ArrayLike<boolean | number>): Float64Array[];
/** IoU of RLE masks; rows are detections, columns ground truths; crowd columns use the detection's area as union; -1 for masks of different sizes. */
export function maskIou(dets: ArrayLike<Rle>, gts: ArrayLike<Rle>, iscrowd?: ArrayLike<boolean | number>): Float64Array[];
