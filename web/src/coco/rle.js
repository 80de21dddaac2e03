// COCO run-length encoded masks as objects: { size: [height, width], counts }, where counts
// is either the compressed string (as in results files and crowd annotations) or the plain
// run lengths (uncompressed RLE). Runs are in column-major order, background first.

import { encodeCountsString, decodeCountsString } from './rle-string.js';
import { countsArea, countsToBbox, mergeCounts } from './rle-counts.js';

/**
 * Height and width of an RLE object, checked.
 * @param {{ size: [number, number] }} rle
 * @returns {[number, number]}
 */
export function rleSize(rle) {
  const size = rle?.size;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new TypeError('RLE size must be [height, width] with non-negative integers');
  }
  return [size[0], size[1]];
}

/**
 * The run lengths of an RLE object (compressed or not), checked to cover the mask exactly.
 * @param {{ size: [number, number], counts: string | ArrayLike<number> }} rle
 * @returns {number[]}
 */
export function rleCounts(rle) {
  const [height, width] = rleSize(rle);
  const counts = typeof rle.counts === 'string' ? decodeCountsString(rle.counts) : Array.from(rle.counts ?? []);
  let total = 0;
  for (const n of counts) {
    if (!Number.isInteger(n) || n < 0) throw new TypeError('RLE counts must be non-negative integers');
    total += n;
  }
  if (total !== height * width) {
    throw new RangeError(`RLE counts add up to ${total} pixels but its size is ${height}x${width}`);
  }
  return counts;
}

/** @returns {{ size: [number, number], counts: string }} */
export function compressRle(rle) {
  return { size: rleSize(rle), counts: encodeCountsString(rleCounts(rle)) };
}

/** @returns {{ size: [number, number], counts: number[] }} */
export function uncompressRle(rle) {
  return { size: rleSize(rle), counts: rleCounts(rle) };
}

/**
 * Run lengths of a row-major binary mask (any non-zero value is foreground).
 * @param {ArrayLike<number>} mask height * width values, row after row
 * @param {number} height
 * @param {number} width
 * @returns {number[]}
 */
export function maskToCounts(mask, height, width) {
  if (mask.length !== height * width) {
    throw new RangeError(`mask has ${mask.length} values, expected ${height}x${width}`);
  }
  const counts = [];
  let value = 0, run = 0;
  for (let x = 0; x < width; x++) {
    for (let i = x; i < mask.length; i += width) {
      const pixel = mask[i] ? 1 : 0;
      if (pixel !== value) { counts.push(run); run = 0; value = pixel; }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

/**
 * A row-major binary mask to a compressed RLE object.
 * @returns {{ size: [number, number], counts: string }}
 */
export function encodeMask(mask, height, width) {
  return { size: [height, width], counts: encodeCountsString(maskToCounts(mask, height, width)) };
}

/**
 * An RLE object to a row-major mask of 0 and 1.
 * @returns {Uint8Array}
 */
export function decodeMask(rle) {
  const [height, width] = rleSize(rle);
  const mask = new Uint8Array(height * width);
  let position = 0, value = 0;
  for (const run of rleCounts(rle)) {
    if (value) {
      for (let p = position; p < position + run; p++) {
        const y = p % height;
        mask[y * width + (p - y) / height] = 1;
      }
    }
    position += run;
    value ^= 1;
  }
  return mask;
}

/** Foreground pixel count. */
export function rleArea(rle) {
  return countsArea(rleCounts(rle));
}

/** [x, y, width, height] of the foreground, as COCO's toBbox gives it. */
export function rleToBbox(rle) {
  const [height, width] = rleSize(rle);
  return countsToBbox(rleCounts(rle), height, width);
}

/**
 * Union (or intersection) of RLE objects of one size, as a compressed RLE object.
 * @param {Array<{ size: [number, number], counts: string | ArrayLike<number> }>} rles
 * @param {boolean} [intersect]
 */
export function mergeRles(rles, intersect = false) {
  if (rles.length === 0) return { size: [0, 0], counts: '' };
  const size = rleSize(rles[0]);
  let counts = rleCounts(rles[0]);
  for (const rle of rles.slice(1)) {
    const [height, width] = rleSize(rle);
    if (height !== size[0] || width !== size[1]) throw new RangeError('cannot merge masks of different sizes');
    counts = mergeCounts(counts, rleCounts(rle), intersect);
  }
  return { size, counts: encodeCountsString(counts) };
}
