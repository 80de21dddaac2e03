// A video for Chromium's fake camera (--use-file-for-fake-video-capture): a picture turned
// into a few Y4M frames that pan slowly, so that the camera shows a scene the model knows
// instead of Chromium's built-in test pattern.
import { readFileSync, writeFileSync } from 'node:fs';

import { PNG } from 'pngjs';

/** Writes `frames` frames of the PNG at pngPath (even width and height) to y4mPath. */
export function writePanningY4m(pngPath, y4mPath, { frames = 8, step = 2 } = {}) {
  const { data, width, height } = PNG.sync.read(readFileSync(pngPath));
  if (width % 2 || height % 2) throw new Error(`${pngPath}: 4:2:0 frames need an even width and height`);
  const parts = [Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`)];
  for (let f = 0; f < frames; f++) {
    parts.push(Buffer.from('FRAME\n'), i420(data, width, height, f * step));
  }
  writeFileSync(y4mPath, Buffer.concat(parts));
}

// One I420 frame (BT.601, studio range) of the RGBA pixels, moved `shift` pixels to the left
// (the right edge repeats).
function i420(rgba, width, height, shift) {
  const y = Buffer.alloc(width * height);
  const u = Buffer.alloc((width / 2) * (height / 2));
  const v = Buffer.alloc(u.length);
  const at = (px, py) => 4 * (py * width + Math.min(width - 1, px + shift));
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      const p = at(px, py);
      y[py * width + px] = Math.round(16 + (65.481 * rgba[p] + 128.553 * rgba[p + 1] + 24.966 * rgba[p + 2]) / 255);
    }
  }
  for (let cy = 0; cy < height / 2; cy++) {
    for (let cx = 0; cx < width / 2; cx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const p = at(2 * cx + dx, 2 * cy + dy);
        r += rgba[p] / 4;
        g += rgba[p + 1] / 4;
        b += rgba[p + 2] / 4;
      }
      const i = cy * (width / 2) + cx;
      u[i] = Math.round(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
      v[i] = Math.round(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);
    }
  }
  return Buffer.concat([y, u, v]);
}
