// torchvision's paste_masks_in_image (eager, torchvision 0.14) for one mask, in float32 as
// torch computes it on the CPU: the size x size probability map padded by one zero pixel on
// each side; the box scaled by (size + 2) / size about its centre and cast to integers
// (truncated toward zero); the padded map resized bilinearly (align_corners=False) to the
// integer box (x2 - x1 + 1 by y2 - y1 + 1, at least 1) and clipped to the image. The
// benchmark pastes the box-local masks of the graph without the paste with it, to compare
// them with ours as whole-image masks (not timed: the comparison's, not the engine's work).

const f32 = Math.fround;

/** The padded map: (size + 2) x (size + 2), the mask in the middle. */
function padded(mask, size) {
  const n = size + 2;
  const out = new Float32Array(n * n);
  for (let y = 0; y < size; y++) out.set(mask.subarray(y * size, (y + 1) * size), (y + 1) * n + 1);
  return out;
}

/** The box scaled about its centre as torchvision's expand_boxes, cast to integers. */
function expandedBox(box, scale) {
  const [x1, y1, x2, y2] = Array.from(box, f32);
  const wHalf = f32(f32(f32(x2 - x1) * 0.5) * scale), hHalf = f32(f32(f32(y2 - y1) * 0.5) * scale);
  const xc = f32(f32(x2 + x1) * 0.5), yc = f32(f32(y2 + y1) * 0.5);
  return [f32(xc - wHalf), f32(yc - hHalf), f32(xc + wHalf), f32(yc + hHalf)].map(Math.trunc);
}

/** For each of outSize output positions, the two source indices and their weights of
 * PyTorch's bilinear resize (align_corners=False) from inSize. */
function linearTaps(inSize, outSize) {
  const ratio = f32(inSize / outSize);
  return Array.from({ length: outSize }, (_, o) => {
    if (inSize === outSize) return { i0: o, i1: o, w0: 1, w1: 0 };
    const source = Math.max(0, f32(f32(ratio * f32(o + 0.5)) - 0.5));
    const i0 = Math.min(Math.floor(source), inSize - 1);
    const w1 = Math.min(Math.max(f32(source - i0), 0), 1);
    return { i0, i1: i0 + (i0 < inSize - 1 ? 1 : 0), w0: f32(1 - w1), w1 };
  });
}

/**
 * The pasted mask of one detection, binarized at probability > threshold: { x, y, width,
 * height, data } with data a Uint8Array (0/1) of the window of the image the box covers
 * (width or height 0 when it covers none).
 */
export function pasteMask(mask, size, box, imageHeight, imageWidth, threshold = 0.5) {
  const n = size + 2;
  const map = padded(mask, size);
  const [bx1, by1, bx2, by2] = expandedBox(box, f32(n / size));
  const w = Math.max(bx2 - bx1 + 1, 1), h = Math.max(by2 - by1 + 1, 1);
  const x0 = Math.max(bx1, 0), x1 = Math.min(bx2 + 1, imageWidth);
  const y0 = Math.max(by1, 0), y1 = Math.min(by2 + 1, imageHeight);
  const width = Math.max(x1 - x0, 0), height = Math.max(y1 - y0, 0);
  const data = new Uint8Array(width * height);
  const xs = linearTaps(n, w), ys = linearTaps(n, h);
  for (let y = 0; y < height; y++) {
    const ty = ys[y0 - by1 + y];
    const row0 = ty.i0 * n, row1 = ty.i1 * n;
    for (let x = 0; x < width; x++) {
      const tx = xs[x0 - bx1 + x];
      const top = f32(f32(map[row0 + tx.i0] * tx.w0) + f32(map[row0 + tx.i1] * tx.w1));
      const bottom = f32(f32(map[row1 + tx.i0] * tx.w0) + f32(map[row1 + tx.i1] * tx.w1));
      data[y * width + x] = f32(f32(top * ty.w0) + f32(bottom * ty.w1)) > threshold ? 1 : 0;
    }
  }
  return { x: x0, y: y0, width, height, data };
}
