/** Foreground pixel count of column-major run lengths. */
export function countsArea(counts: ArrayLike<number>): number;
/** [x, y, width, height] of the foreground as COCO's toBbox computes it; [0, 0, 0, 0] if empty. */
export function countsToBbox(counts: ArrayLike<number>, height: number, width: number): [number, number, number, number];
/** Union, or intersection with `intersect`, of two masks' run lengths (same size). */
export function mergeCounts(a: ArrayLike<number>, b: ArrayLike<number>, intersect?: boolean): number[];
/** Pixels in both masks and in either. */
export function countsOverlap(a: ArrayLike<number>, b: ArrayLike<number>): { intersection: number; union: number };
