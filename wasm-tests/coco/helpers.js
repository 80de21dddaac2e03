// Small builders for hand-made COCO datasets and results.
import assert from 'node:assert/strict';

export const NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'];

/** A dataset of box annotations; `area` defaults to w * h. */
export function boxDataset({ images = [{ id: 1, width: 400, height: 400 }], categories = [{ id: 1, name: 'thing' }], boxes }) {
  return {
    images,
    categories,
    annotations: boxes.map(({ id, image = 1, category = 1, box, crowd = 0, area }, n) => ({
      id: id ?? n + 1, image_id: image, category_id: category, bbox: box, area: area ?? box[2] * box[3], iscrowd: crowd,
    })),
  };
}

export function detection(box, score, { image = 1, category = 1 } = {}) {
  return { image_id: image, category_id: category, bbox: box, score };
}

/** Equal to 1e-12 (precision is TP / (TP + FP + 2^-52), so a perfect 1 reads 1 - 2e-16). */
export function assertNear(actual, expected, what = '') {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}got ${actual}, expected ${expected}`);
}

/** Checks the twelve numbers by name, to 1e-12. */
export function assertStats(actual, expected) {
  assert.equal(actual.length, 12);
  for (const [n, name] of NAMES.entries()) {
    assert.ok(Math.abs(actual[n] - expected[n]) < 1e-12, `${name}: got ${actual[n]}, expected ${expected[n]}`);
  }
}
