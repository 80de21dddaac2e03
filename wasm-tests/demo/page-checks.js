// Checks that run inside the demo page (passed to page.evaluate, so each is self-contained).

/**
 * Compares the demo's canvas with the plain picture (decoded again from sampleUrl). Drawn
 * regions per listed instance: its mask rectangle, its box widened by the line, its caption.
 * Returns counts: pixels outside every drawn region and how many of them differ, and for the
 * best instance its mask area and the changed pixels within its box and mask rectangle.
 */
export async function compareCanvasWithPicture(sampleUrl) {
  const canvas = document.getElementById('image-canvas');
  const { width, height } = canvas;
  const drawn = canvas.getContext('2d').getImageData(0, 0, width, height).data;
  const image = new Image();
  image.src = sampleUrl;
  await image.decode();
  const plain = new OffscreenCanvas(width, height).getContext('2d');
  plain.drawImage(await createImageBitmap(image), 0, 0);
  const original = plain.getImageData(0, 0, width, height).data;

  const numbers = (text) => (text ?? '').split(',').filter(Boolean).map(Number);
  const items = [...document.querySelectorAll('#instance-list li')].map((li) => ({
    box: numbers(li.dataset.box), mask: numbers(li.dataset.mask), caption: numbers(li.dataset.caption),
    area: Number(li.dataset.area),
  }));
  const covered = new Uint8Array(width * height);
  const cover = (x1, y1, x2, y2) => {
    for (let y = Math.max(0, Math.floor(y1)); y < Math.min(height, Math.ceil(y2)); y++) {
      for (let x = Math.max(0, Math.floor(x1)); x < Math.min(width, Math.ceil(x2)); x++) covered[y * width + x] = 1;
    }
  };
  const LINE = 3;  // half the highlighted box line, and a pixel of antialiasing
  for (const { box: [x1, y1, x2, y2], mask: [mx, my, mw, mh], caption: [cx, cy, cw, ch] } of items) {
    cover(mx, my, mx + mw, my + mh);
    cover(x1 - LINE, y1 - LINE, x2 + LINE, y2 + LINE);
    if (cw) cover(cx, cy, cx + cw, cy + ch);
  }
  const differs = (i) => drawn[4 * i] !== original[4 * i] || drawn[4 * i + 1] !== original[4 * i + 1] ||
    drawn[4 * i + 2] !== original[4 * i + 2];
  let outside = 0;
  let changedOutside = 0;
  for (let i = 0; i < width * height; i++) {
    if (covered[i]) continue;
    outside += 1;
    if (differs(i)) changedOutside += 1;
  }
  let bestChanged = 0;
  if (items.length > 0) {
    const { box: [x1, y1, x2, y2], mask: [mx, my, mw, mh] } = items[0];
    const left = Math.max(0, Math.floor(Math.min(x1, mx)));
    const top = Math.max(0, Math.floor(Math.min(y1, my)));
    const right = Math.min(width, Math.ceil(Math.max(x2, mx + mw)));
    const bottom = Math.min(height, Math.ceil(Math.max(y2, my + mh)));
    for (let y = top; y < bottom; y++) for (let x = left; x < right; x++) if (differs(y * width + x)) bestChanged += 1;
  }
  return { width, height, instances: items.length, outside, changedOutside, bestArea: items[0]?.area ?? 0, bestChanged };
}

/** A cheap fingerprint of a canvas's pixels, to tell whether it was repainted differently. */
export function canvasFingerprint(id) {
  const canvas = document.getElementById(id);
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let hash = 2166136261;
  for (let i = 0; i < data.length; i += 7) hash = Math.imul(hash ^ data[i], 16777619);
  return hash >>> 0;
}

/** Pixels of a canvas that are not fully transparent. */
export function opaquePixels(id) {
  const canvas = document.getElementById(id);
  if (canvas.width === 0 || canvas.height === 0) return 0;
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let count = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) count += 1;
  return count;
}

/**
 * Installed before the page loads: records the longest task of the page's main thread (Long
 * Tasks API) and each text the model progress label shows, with the bar's value.
 */
export function recordResponsivenessAndProgress() {
  const record = { longestTask: 0, progress: [] };
  globalThis.demoRecord = record;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) record.longestTask = Math.max(record.longestTask, entry.duration);
  }).observe({ type: 'longtask', buffered: true });
  document.addEventListener('DOMContentLoaded', () => {
    const label = document.getElementById('model-progress-label');
    const bar = document.getElementById('model-progress');
    new MutationObserver(() => {
      record.progress.push({ text: label.textContent, value: bar.hasAttribute('value') ? bar.value : null, max: bar.max });
    }).observe(label, { childList: true, characterData: true, subtree: true });
  });
}

/**
 * How a canvas's alpha is spread: pixels that are not fully transparent, and how many distinct
 * alpha values they have. Masks drawn from their probabilities (soft edges) blend through many
 * levels; 0/1 masks give one per colour. With listed = true only pixels of the listed
 * instances' mask rectangles count, away from every box line and caption (whose antialiasing
 * has levels of its own).
 */
export function alphaLevels({ id, listed = false }) {
  const canvas = document.getElementById(id);
  const { width, height } = canvas;
  if (width === 0 || height === 0) return { opaque: 0, levels: 0 };
  const { data } = canvas.getContext('2d').getImageData(0, 0, width, height);
  let counted = null;
  if (listed) {
    const numbers = (text) => (text ?? '').split(',').filter(Boolean).map(Number);
    const items = [...document.querySelectorAll('#instance-list li')].map((li) => ({
      box: numbers(li.dataset.box), mask: numbers(li.dataset.mask), caption: numbers(li.dataset.caption),
    }));
    counted = new Uint8Array(width * height);
    const mark = (x1, y1, x2, y2, value) => {
      for (let y = Math.max(0, Math.floor(y1)); y < Math.min(height, Math.ceil(y2)); y++) {
        for (let x = Math.max(0, Math.floor(x1)); x < Math.min(width, Math.ceil(x2)); x++) counted[y * width + x] = value;
      }
    };
    const LINE = 4;  // half a box line, antialiasing, and a pixel to spare
    for (const { mask: [mx, my, mw, mh] } of items) mark(mx, my, mx + mw, my + mh, 1);
    for (const { box: [x1, y1, x2, y2], caption: [cx, cy, cw, ch] } of items) {
      mark(x1 - LINE, y1 - LINE, x2 + LINE, y1 + LINE, 0);
      mark(x1 - LINE, y2 - LINE, x2 + LINE, y2 + LINE, 0);
      mark(x1 - LINE, y1 - LINE, x1 + LINE, y2 + LINE, 0);
      mark(x2 - LINE, y1 - LINE, x2 + LINE, y2 + LINE, 0);
      if (cw) mark(cx, cy, cx + cw, cy + ch, 0);
    }
  }
  const seen = new Set();
  let opaque = 0;
  for (let i = 0; i < width * height; i++) {
    const alpha = data[4 * i + 3];
    if (alpha === 0 || (counted && !counted[i])) continue;
    opaque += 1;
    seen.add(alpha);
  }
  return { opaque, levels: seen.size };
}
