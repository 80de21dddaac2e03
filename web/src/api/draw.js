// drawInstances: colored masks, boxes and captions on a 2D canvas context, in the result's
// image coordinates (transform the context to draw at another scale).
import { instanceCaption, labelColor } from './palette.js';

export function drawInstances(ctx, result, options = {}) {
  if (!ctx || typeof ctx.drawImage !== 'function' || typeof ctx.strokeRect !== 'function') {
    throw new TypeError('drawInstances: expected a CanvasRenderingContext2D or OffscreenCanvasRenderingContext2D');
  }
  if (!result || !Array.isArray(result.instances)) throw new TypeError('drawInstances: expected a result of segment()');
  const { opacity = 0.5, boxes = true, labels = true, masks = true, soft = false } = options;
  if (!(typeof opacity === 'number' && opacity >= 0 && opacity <= 1)) {
    throw new RangeError('drawInstances: opacity must be a number from 0 to 1');
  }
  ctx.save();
  try {
    for (const instance of result.instances) {
      const [r, g, b] = labelColor(instance.label);
      if (masks && instance.mask.width > 0 && instance.mask.height > 0) {
        const pixels = instance.mask.toImageData({ color: [r, g, b, Math.round(opacity * 255)], soft });
        ctx.drawImage(toCanvas(pixels), instance.mask.x, instance.mask.y);
      }
      const [x1, y1, x2, y2] = instance.box;
      ctx.strokeStyle = `rgb(${r}, ${g}, ${b})`;
      ctx.lineWidth = 2;
      if (boxes) ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
      if (labels) drawCaption(ctx, instanceCaption(instance), x1, y1, `rgb(${r}, ${g}, ${b})`);
    }
  } finally {
    ctx.restore();
  }
}

function drawCaption(ctx, text, x, y, background) {
  ctx.font = '12px sans-serif';
  ctx.textBaseline = 'top';
  const width = ctx.measureText(text).width + 6;
  const top = y >= 16 ? y - 16 : y;
  ctx.fillStyle = background;
  ctx.fillRect(x, top, width, 16);
  ctx.fillStyle = '#fff';
  ctx.fillText(text, x + 3, top + 2);
}

// drawImage blends; putImageData would overwrite what is under the mask.
function toCanvas(imageData) {
  if (typeof OffscreenCanvas !== 'function' && typeof document === 'undefined') {
    throw new Error('drawInstances: there is no OffscreenCanvas or document here to draw masks with (use masks: false)');
  }
  const canvas = typeof OffscreenCanvas === 'function'
    ? new OffscreenCanvas(imageData.width, imageData.height)
    : Object.assign(document.createElement('canvas'), { width: imageData.width, height: imageData.height });
  canvas.getContext('2d').putImageData(imageData, 0, 0);
  return canvas;
}
