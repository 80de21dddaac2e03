/** Run lengths (background first) to COCO's compressed RLE string. */
export function encodeCountsString(counts: ArrayLike<number>): string;
/** COCO's compressed RLE string to run lengths (background first). */
export function decodeCountsString(text: string): number[];
