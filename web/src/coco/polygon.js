// Polygon rasterization with COCO's conventions (maskApi's frPoly). A pixel (column x, row y)
// covers [x, x+1) x [y, y+1); it is inside when its centre (x + 0.5, y + 0.5) is inside the
// polygon, decided on a grid five times finer than the image:
//   1. the vertices are rounded to that grid and every edge is walked one fine step at a time
//      along its major axis, rounding the other coordinate;
//   2. where the walk crosses the fine column that holds a pixel column's centre, the fine row
//      of the crossing becomes a row boundary for that column (first row whose centre lies
//      below it);
//   3. the boundaries, sorted in column-major order, alternately start and end foreground runs.
// C's (int) casts truncate toward zero; Math.trunc does the same here.

const SCALE = 5;

/**
 * Run lengths of one polygon.
 * @param {ArrayLike<number>} xy x0, y0, x1, y1, ... in pixel coordinates
 * @param {number} height
 * @param {number} width
 * @returns {number[]}
 */
export function polygonToCounts(xy, height, width) {
  const k = Math.floor(xy.length / 2);
  const gx = new Array(k + 1), gy = new Array(k + 1);
  for (let j = 0; j < k; j++) {
    gx[j] = Math.trunc(SCALE * xy[2 * j] + 0.5);
    gy[j] = Math.trunc(SCALE * xy[2 * j + 1] + 0.5);
  }
  gx[k] = gx[0]; gy[k] = gy[0];

  // 1. dense fine-grid points along each closed edge, both ends included
  const u = [], v = [];
  for (let j = 0; j < k; j++) {
    let xs = gx[j], xe = gx[j + 1], ys = gy[j], ye = gy[j + 1];
    const dx = Math.abs(xe - xs), dy = Math.abs(ys - ye);
    // walk from the lower end of the major axis so the rounding is the same both ways
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) { [xs, xe] = [xe, xs]; [ys, ye] = [ye, ys]; }
    if (dx >= dy) {
      const slope = dx === 0 ? 0 : (ye - ys) / dx;
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u.push(t + xs);
        v.push(Math.trunc(ys + slope * t + 0.5));
      }
    } else {
      const slope = (xe - xs) / dy;
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v.push(t + ys);
        u.push(Math.trunc(xs + slope * t + 0.5));
      }
    }
  }

  // 2. crossings of pixel-centre columns, back on the pixel grid
  const boundaries = [];
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    const column = ((u[j] < u[j - 1] ? u[j] : u[j] - 1) + 0.5) / SCALE - 0.5;
    if (Math.floor(column) !== column || column < 0 || column > width - 1) continue;
    let row = ((v[j] < v[j - 1] ? v[j] : v[j - 1]) + 0.5) / SCALE - 0.5;
    row = Math.ceil(Math.min(Math.max(row, 0), height));
    boundaries.push(column * height + row);
  }

  // 3. column-major positions to run lengths; a zero-length run cancels the toggle it makes
  boundaries.push(height * width);
  boundaries.sort((a, b) => a - b);
  const steps = boundaries.map((p, j) => p - (j > 0 ? boundaries[j - 1] : 0));
  const counts = [steps[0]];
  for (let j = 1; j < steps.length; ) {
    if (steps[j] > 0) counts.push(steps[j++]);
    else if (++j < steps.length) counts[counts.length - 1] += steps[j++];
  }
  return counts;
}

/**
 * Run lengths of a box [x, y, width, height], rasterized as its polygon.
 * @param {ArrayLike<number>} box
 */
export function boxToCounts(box, height, width) {
  const [x0, y0] = [box[0], box[1]];
  const [x1, y1] = [x0 + box[2], y0 + box[3]];
  return polygonToCounts([x0, y0, x0, y1, x1, y1, x1, y0], height, width);
}
