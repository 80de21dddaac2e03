// Paints instances over a picture: a translucent fill and an outline per mask, the box, and a
// "class score" caption. One instance can be highlighted (the others fade).
import { classColor, cssColor } from './palette.js';

const FILL_ALPHA = 0.45;
const FILL_ALPHA_HIGHLIGHTED = 0.7;
const FILL_ALPHA_FADED = 0.12;
const FADED_ALPHA = 0.3;

// Per instance, its mask as two solid-colored canvases (fill and outline), made once: hovering
// repaints often.
const sprites = new WeakMap();

/**
 * ctx: a 2D context in the image's coordinates; instances: best first. scale: how many image
 * pixels one screen pixel covers (lines and text grow with it). Returns, per instance, the
 * caption's rectangle { x, y, width, height } in image pixels.
 */
export function paintInstances(ctx, instances, { highlighted = null, scale = 1 } = {}) {
  const captions = new Map();
  const line = Math.max(2, Math.round(2 * scale));
  // Worst first, so the best lies on top; the highlighted one above all.
  const order = [...instances].reverse();
  if (highlighted && order.includes(highlighted)) order.push(order.splice(order.indexOf(highlighted), 1)[0]);
  ctx.save();
  for (const instance of order) {
    const faded = highlighted !== null && instance !== highlighted;
    const color = classColor(instance.label);
    const { fill, outline } = spritesOf(instance, color, Math.max(1, Math.round(scale)));
    if (fill) {
      ctx.globalAlpha = highlighted === null ? FILL_ALPHA : faded ? FILL_ALPHA_FADED : FILL_ALPHA_HIGHLIGHTED;
      ctx.drawImage(fill, instance.mask.x, instance.mask.y);
      ctx.globalAlpha = faded ? FADED_ALPHA : 1;
      ctx.drawImage(outline, instance.mask.x, instance.mask.y);
    }
    ctx.globalAlpha = faded ? FADED_ALPHA : 1;
    const [x1, y1, x2, y2] = instance.box;
    ctx.strokeStyle = cssColor(color);
    ctx.lineWidth = instance === highlighted ? 2 * line : line;
    ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
    captions.set(instance, paintCaption(ctx, instance, color, scale));
  }
  ctx.restore();
  return captions;
}

/** The caption text of an instance: "circle 0.97". */
export function captionOf(instance) {
  return `${instance.className} ${instance.score.toFixed(2)}`;
}

// Above the box's top-left corner, or inside the box when the image has no room above; kept
// inside the image on the right.
function paintCaption(ctx, instance, color, scale) {
  const size = Math.round(13 * scale);
  const pad = Math.round(3 * scale);
  ctx.font = `600 ${size}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  const text = captionOf(instance);
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

function spritesOf(instance, color, thickness) {
  const cached = sprites.get(instance);
  if (cached && cached.thickness === thickness) return cached;
  const { width, height, data } = instance.mask;
  const made = width > 0 && height > 0
    ? { fill: solidCanvas(width, height, color, (i) => data[i] === 1),
        outline: solidCanvas(width, height, color, edgeTest(instance.mask, thickness)),
        thickness }
    : { fill: null, outline: null, thickness };
  sprites.set(instance, made);
  return made;
}

// A mask pixel is on the outline when a pixel within `thickness` of it (or the rectangle's
// border) is outside the mask.
function edgeTest({ width, height, data }, thickness) {
  return (i) => {
    if (data[i] !== 1) return false;
    const x = i % width;
    const y = (i - x) / width;
    for (let dy = -thickness; dy <= thickness; dy++) {
      for (let dx = -thickness; dx <= thickness; dx++) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height || data[ny * width + nx] !== 1) return true;
      }
    }
    return false;
  };
}

function solidCanvas(width, height, [r, g, b], isOn) {
  const pixels = new ImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    if (!isOn(i)) continue;
    pixels.data[4 * i] = r;
    pixels.data[4 * i + 1] = g;
    pixels.data[4 * i + 2] = b;
    pixels.data[4 * i + 3] = 255;
  }
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext('2d').putImageData(pixels, 0, 0);
  return canvas;
}
