// Arithmetic on run lengths: a binary mask of height h and width w read in column-major
// order (down each column, then the next column) as alternating runs, background first.
// `counts` is any array-like of non-negative integers that sum to h * w.

const UNEQUAL_TOTALS = 'run lengths of the two masks do not add up to the same total';

/**
 * Foreground pixel count: the sum of the odd runs.
 * @param {ArrayLike<number>} counts
 */
export function countsArea(counts) {
  let area = 0;
  for (let j = 1; j < counts.length; j += 2) area += counts[j];
  return area;
}

/**
 * Bounding box [x, y, width, height] of the foreground, [0, 0, 0, 0] when empty.
 * Follows COCO's toBbox: only whole (background, foreground) run pairs are read, and a
 * foreground run that spans columns widens the box to the full image height.
 * @param {ArrayLike<number>} counts
 * @param {number} height
 * @param {number} width
 * @returns {[number, number, number, number]}
 */
export function countsToBbox(counts, height, width) {
  const pairs = counts.length - (counts.length % 2);
  if (pairs === 0) return [0, 0, 0, 0];
  let xs = width, ys = height, xe = 0, ye = 0;
  let position = 0, startColumn = 0;
  for (let j = 0; j < pairs; j++) {
    position += counts[j];
    const pixel = position - (j % 2); // first foreground pixel, or last one of the run
    const y = pixel % height;
    const x = (pixel - y) / height;
    if (j % 2 === 0) startColumn = x;
    else if (startColumn < x) { ys = 0; ye = height - 1; }
    xs = Math.min(xs, x); xe = Math.max(xe, x);
    ys = Math.min(ys, y); ye = Math.max(ye, y);
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}

/**
 * Union (or intersection) of two run-length masks of the same size.
 * One run boundary is consumed per step, so zero-length runs pass through as COCO's merge
 * passes them.
 * @param {ArrayLike<number>} a
 * @param {ArrayLike<number>} b
 * @param {boolean} [intersect]
 * @returns {number[]}
 */
export function mergeCounts(a, b, intersect = false) {
  const merged = [];
  if (a.length === 0 || b.length === 0) return merged;
  let ia = 0, ib = 0, ra = a[0], rb = b[0], va = 0, vb = 0, value = 0, run = 0;
  for (;;) {
    const step = Math.min(ra, rb);
    run += step; ra -= step; rb -= step;
    let advanced = false;
    if (ra === 0 && ia + 1 < a.length) { ra = a[++ia]; va ^= 1; advanced = true; }
    if (rb === 0 && ib + 1 < b.length) { rb = b[++ib]; vb ^= 1; advanced = true; }
    const done = ra + rb === 0;
    if (!done && step === 0 && !advanced) throw new RangeError(UNEQUAL_TOTALS);
    const next = intersect ? va & vb : va | vb;
    if (next !== value || done) { merged.push(run); run = 0; }
    value = next;
    if (done) return merged;
  }
}

/**
 * Foreground pixels in both masks and in either, by walking the runs together.
 * @param {ArrayLike<number>} a
 * @param {ArrayLike<number>} b
 * @returns {{ intersection: number, union: number }}
 */
export function countsOverlap(a, b) {
  let intersection = 0, union = 0;
  if (a.length === 0 || b.length === 0) return { intersection, union };
  let ia = 0, ib = 0, ra = a[0], rb = b[0], va = 0, vb = 0;
  for (;;) {
    const step = Math.min(ra, rb);
    if (va || vb) {
      union += step;
      if (va && vb) intersection += step;
    }
    ra -= step; rb -= step;
    let advanced = false;
    if (ra === 0 && ia + 1 < a.length) { ra = a[++ia]; va ^= 1; advanced = true; }
    if (rb === 0 && ib + 1 < b.length) { rb = b[++ib]; vb ^= 1; advanced = true; }
    if (ra + rb === 0) break;
    if (step === 0 && !advanced) throw new RangeError(UNEQUAL_TOTALS);
  }
  return { intersection, union };
}
