/** Run lengths (column-major, background first) of a polygon [x0, y0, x1, y1, ...] rasterized as COCO does. */
export function polygonToCounts(xy: ArrayLike<number>, height: number, width: number): number[];
/** Run lengths of a box [x, y, width, height] rasterized as COCO does. */
export function boxToCounts(box: ArrayLike<number>, height: number, width: number): number[];
