// The reference fixtures that models/make_fixtures.py writes (npm test makes them first),
// and the built package, as the tests use them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { readSafetensors, readSafetensorsMetadata, withConfig } from './safetensors.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = process.env.MRW_FIXTURE_DIR ?? join(ROOT, 'build', 'fixtures');

export function fixturePath(name) {
  const path = join(FIXTURES, name);
  if (!existsSync(path)) {
    throw new Error(`missing fixture ${path}: make them with /usr/bin/python3 models/make_fixtures.py build/fixtures (npm test does)`);
  }
  return path;
}

/** RGB bytes (h * w * 3) to RGBA (alpha 255). */
export function rgbToRgba(rgb, width, height) {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += 3) {
    rgba[i * 4] = rgb[j];
    rgba[i * 4 + 1] = rgb[j + 1];
    rgba[i * 4 + 2] = rgb[j + 2];
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

/**
 * An end-to-end case: its model's path, the image as RGBA, and torchvision's outputs:
 * boxes [N*4], labels [N], scores [N], masks [N*H*W] (0/1), with the score threshold and
 * the cap on detections it ran with (the model's own).
 */
export function e2eCase(name) {
  const io = readSafetensors(fixturePath(`${name}.safetensors`));
  const image = io.tensor('image');
  const [height, width] = image.shape;
  const modelPath = fixturePath(io.metadata.model);
  const { postprocess } = JSON.parse(readSafetensorsMetadata(modelPath).config);
  return {
    name,
    modelPath,
    image: { data: rgbToRgba(image.values, width, height), width, height },
    rgb: image.values,
    expected: {
      boxes: io.tensor('boxes').values,
      labels: io.tensor('labels').values,
      scores: io.tensor('scores').values,
      masks: io.tensor('masks').values,
      scoreThreshold: postprocess.box_score_thresh,
      detectionsPerImg: postprocess.box_detections_per_img,
    },
  };
}

/**
 * The r18_det model with small preprocessing sizes and few proposals: the same weights and
 * code paths at a fraction of the time, for tests that segment many times.
 */
export function smallModelBytes(size = 96) {
  return withConfig(fixturePath('r18_det.safetensors'), (config) => {
    config.preprocess.min_size = size;
    config.preprocess.max_size = size;
    config.postprocess.rpn_pre_nms_top_n = 100;
    config.postprocess.rpn_post_nms_top_n = 100;
  });
}

/** A deterministic RGBA test image (smooth gradients with a few blocks). */
export function syntheticImage(width, height, seed = 1) {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      const block = ((Math.floor(x / 16) * 7 + Math.floor(y / 16) * 13 + seed) % 5) * 40;
      data[p] = (x * 255 / width + block) & 255;
      data[p + 1] = (y * 255 / height + seed * 50) & 255;
      data[p + 2] = (block + seed * 30) & 255;
      data[p + 3] = 255;
    }
  }
  return { data, width, height };
}

export const DIST = join(ROOT, 'dist');

export function checkDist() {
  for (const f of ['maskrcnn-wasm-simd.wasm', 'maskrcnn-wasm-threads.wasm', 'node/maskrcnn-wasm-node.wasm']) {
    if (!existsSync(join(DIST, f))) throw new Error(`missing ${join(DIST, f)}: build it with bash scripts/build.sh package`);
  }
}
