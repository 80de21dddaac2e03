// Paints instances over a picture: a translucent fill and an outline per mask, the box, and a
// "class score" caption. One instance can be highlighted (the others fade).
import { cssColor, instanceCaption, labelColor } from './palette.js';

const FILL_ALPHA = 0.45;
const FADED_ALPHA = 0.3;

// Per instance, its mask as one canvas (translucent fill, opaque outline), made once: hovering
// repaints often.
const sprites = new WeakMap();

/**
 * ctx: a 2D context in the image's coordinates; instances: best first. scale: how many image
 * pixels one screen pixel covers (lines and text grow with it). soft: masks fade with their
 * probabilities (live video; the instances must carry them) instead of a hard outline.
 * Returns, per instance, the caption's rectangle { x, y, width, height } in image pixels.
 */
export function paintInstances(ctx, instances, { highlighted = null, scale = 1, soft = false } = {}) {
  const captions = new Map();
  const line = Math.max(2, Math.round(2 * scale));
  // Worst first, so the best lies on top; the highlighted one above all.
  const order = [...instances].reverse();
  if (highlighted && order.includes(highlighted)) order.push(order.splice(order.indexOf(highlighted), 1)[0]);
  ctx.save();
  for (const instance of order) {
    const color = labelColor(instance.label);
    ctx.globalAlpha = highlighted !== null && instance !== highlighted ? FADED_ALPHA : 1;
    const sprite = soft ? softSprite(instance, color) : spriteOf(instance, color, Math.max(1, Math.round(scale)));
    if (sprite) {
      ctx.drawImage(sprite, instance.mask.x, instance.mask.y);
      // Twice over makes the fill about 0.7 opaque.
      if (instance === highlighted) ctx.drawImage(sprite, instance.mask.x, instance.mask.y);
    }
    const [x1, y1, x2, y2] = instance.box;
    ctx.strokeStyle = cssColor(color);
    ctx.lineWidth = instance === highlighted ? 2 * line : line;
    ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
    captions.set(instance, paintCaption(ctx, instance, color, scale));
  }
  ctx.restore();
  return captions;
}

// Above the box's top-left corner, or inside the box when the image has no room above; kept
// inside the image on the right.
function paintCaption(ctx, instance, color, scale) {
  const size = Math.round(13 * scale);
  const pad = Math.round(3 * scale);
  ctx.font = `600 ${size}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  const text = instanceCaption(instance);
  const width = Math.ceil(ctx.measureText(text).width) + 2 * pad;
  const height = size + 2 * pad;
  const [x1, y1] = instance.box;
  const x = Math.max(0, Math.min(Math.floor(x1), ctx.canvas.width - width));
  const y = y1 >= height ? Math.floor(y1) - height : Math.max(0, Math.floor(y1));
  ctx.fillStyle = cssColor(color);
  ctx.fillRect(x, y, width, height);
  ctx.fillStyle = '#fff';
  ctx.fillText(text, x + pad, y + pad);
  return { x, y, width, height };
}

function spriteOf(instance, color, thickness) {
  const cached = sprites.get(instance);
  if (cached && cached.thickness === thickness) return cached.canvas;
  const { width, height } = instance.mask;
  const canvas = width > 0 && height > 0 ? maskCanvas(instance.mask, color, thickness) : null;
  sprites.set(instance, { canvas, thickness });
  return canvas;
}

// The mask in color with soft edges (the package's toImageData), each frame anew.
function softSprite({ mask }, [r, g, b]) {
  if (mask.width === 0 || mask.height === 0) return null;
  const canvas = new OffscreenCanvas(mask.width, mask.height);
  canvas.getContext('2d').putImageData(mask.toImageData({ color: [r, g, b, Math.round(FILL_ALPHA * 255)], soft: true }), 0, 0);
  return canvas;
}

// The mask in color: translucent inside, opaque on its outline (`thickness` pixels wide).
function maskCanvas(mask, [r, g, b], thickness) {
  const { width, height, data } = mask;
  const inside = erode(mask, thickness);
  const pixels = new ImageData(width, height);
  // One 32-bit store per pixel: RGBA bytes in memory order on a little-endian machine (all
  // that browsers run on).
  const words = new Uint32Array(pixels.data.buffer);
  const rgb = (b << 16) | (g << 8) | r;
  const fill = ((Math.round(FILL_ALPHA * 255) << 24) | rgb) >>> 0;
  const edge = ((255 << 24) | rgb) >>> 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 1) words[i] = inside[i] === 1 ? fill : edge;
  }
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext('2d').putImageData(pixels, 0, 0);
  return canvas;
}

// The mask pixels whose whole (2t+1)-square neighbourhood lies in the mask (outside the
// rectangle counts as outside the mask): a running count along rows, then along columns,
// so the cost does not grow with t (large pictures get thick outlines).
function erode({ width, height, data }, t) {
  const span = 2 * t + 1;
  const rows = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let count = 0;
    for (let x = -t; x < width + t; x++) {
      if (x + t < width && data[row + x + t] === 1) count += 1;
      if (x - t - 1 >= 0 && data[row + x - t - 1] === 1) count -= 1;
      if (x >= 0 && x < width) rows[row + x] = count === span ? 1 : 0;
    }
  }
  // Down the columns, all columns at once (row by row, in memory order).
  const inside = new Uint8Array(width * height);
  const counts = new Int32Array(width);
  for (let y = -t; y < height + t; y++) {
    const enter = y + t < height ? (y + t) * width : -1;
    const leave = y - t - 1 >= 0 ? (y - t - 1) * width : -1;
    for (let x = 0; x < width; x++) {
      if (enter >= 0) counts[x] += rows[enter + x];
      if (leave >= 0) counts[x] -= rows[leave + x];
      if (y >= 0 && y < height) inside[y * width + x] = counts[x] === span ? 1 : 0;
    }
  }
  return inside;
}
