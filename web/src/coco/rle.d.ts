/** A COCO run-length encoded mask: column-major runs, background first. */
export interface Rle {
  size: [height: number, width: number];
  /** Compressed string, or plain run lengths (uncompressed RLE). */
  counts: string | ArrayLike<number>;
}
export interface CompressedRle {
  size: [height: number, width: number];
  counts: string;
}
export interface UncompressedRle {
  size: [height: number, width: number];
  counts: number[];
}

export function rleSize(rle: Pick<Rle, 'size'>): [number, number];
/** Run lengths of a compressed or uncompressed RLE; throws unless they cover height * width. */
export function rleCounts(rle: Rle): number[];
export function compressRle(rle: Rle): CompressedRle;
export function uncompressRle(rle: Rle): UncompressedRle;
/** Run lengths of a row-major mask (non-zero = foreground). */
export function maskToCounts(mask: ArrayLike<number>, height: number, width: number): number[];
/** A row-major mask (non-zero = foreground) to a compressed RLE. */
export function encodeMask(mask: ArrayLike<number>, height: number, width: number): CompressedRle;
/** An RLE to a row-major mask of 0 and 1. */
export function decodeMask(rle: Rle): Uint8Array;
export function rleArea(rle: Rle): number;
/** [x, y, width, height] of the foreground as COCO's toBbox computes it. */
export function rleToBbox(rle: Rle): [number, number, number, number];
/** Union (or intersection) of same-size masks, compressed. */
export function mergeRles(rles: readonly Rle[], intersect?: boolean): CompressedRle;
