// The CLI's overlay image: the input with each instance's mask tinted in its label's color,
// its box outlined, and a "className score" caption, drawn straight into RGBA pixels.
import { instanceCaption, labelColor } from '../api/palette.js';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyphPixel, textWidth } from './font.js';

const TEXT_SCALE = 2;
const PAD = 2;

/** A new RGBA buffer: rgba (width * height * 4) with result drawn on it. */
export function renderOverlay(rgba, width, height, result, { opacity = 0.5 } = {}) {
  const out = new Uint8Array(rgba);
  const canvas = { data: out, width, height };
  // The best instance is drawn last, on top.
  const instances = [...result.instances].reverse();
  for (const instance of instances) tintMask(canvas, instance.mask, labelColor(instance.label), opacity);
  for (const instance of instances) {
    const color = labelColor(instance.label);
    const [x1, y1, x2, y2] = instance.box.map(Math.round);
    strokeRect(canvas, x1, y1, x2, y2, color, 2);
    drawCaption(canvas, instanceCaption(instance), x1, y1, color);
  }
  return out;
}

function tintMask({ data, width, height }, mask, [r, g, b], opacity) {
  for (let j = 0; j < mask.height; j++) {
    const y = mask.y + j;
    if (y < 0 || y >= height) continue;
    for (let i = 0; i < mask.width; i++) {
      const x = mask.x + i;
      if (x < 0 || x >= width || !mask.data[j * mask.width + i]) continue;
      const p = (y * width + x) * 4;
      data[p] = Math.round(data[p] * (1 - opacity) + r * opacity);
      data[p + 1] = Math.round(data[p + 1] * (1 - opacity) + g * opacity);
      data[p + 2] = Math.round(data[p + 2] * (1 - opacity) + b * opacity);
    }
  }
}

function fillRect({ data, width, height }, x1, y1, x2, y2, [r, g, b]) {
  for (let y = Math.max(0, y1); y < Math.min(height, y2); y++) {
    for (let x = Math.max(0, x1); x < Math.min(width, x2); x++) {
      const p = (y * width + x) * 4;
      data[p] = r;
      data[p + 1] = g;
      data[p + 2] = b;
      data[p + 3] = 255;
    }
  }
}

function strokeRect(canvas, x1, y1, x2, y2, color, line) {
  fillRect(canvas, x1, y1, x2 + 1, y1 + line, color);
  fillRect(canvas, x1, y2 + 1 - line, x2 + 1, y2 + 1, color);
  fillRect(canvas, x1, y1, x1 + line, y2 + 1, color);
  fillRect(canvas, x2 + 1 - line, y1, x2 + 1, y2 + 1, color);
}

// A filled label above the box's top-left corner (inside the box when there is no room).
function drawCaption(canvas, text, x, y, color) {
  const w = textWidth(text, TEXT_SCALE) + 2 * PAD;
  const h = GLYPH_HEIGHT * TEXT_SCALE + 2 * PAD;
  const left = Math.max(0, Math.min(x, canvas.width - w));
  const top = y - h >= 0 ? y - h : Math.max(0, y);
  fillRect(canvas, left, top, left + w, top + h, color);
  [...text].forEach((ch, k) => {
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (!glyphPixel(ch, gx, gy)) continue;
        const px = left + PAD + (k * GLYPH_ADVANCE + gx) * TEXT_SCALE;
        const py = top + PAD + gy * TEXT_SCALE;
        fillRect(canvas, px, py, px + TEXT_SCALE, py + TEXT_SCALE, [255, 255, 255]);
      }
    }
  });
}
