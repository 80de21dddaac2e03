import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from '../../web/src/coco/index.js';
import { boxDataset, detection, assertStats, assertNear } from './helpers.js';

// Every expected number below is worked out by hand from COCO's definitions:
// - per IoU threshold t (0.50, 0.55, ..., 0.95), detections of all images are ranked by score;
//   a detection is a true positive if it took a ground truth with IoU >= t;
// - recall = TP / #ground truths, precision = TP / (TP + FP) after each rank; precision is
//   replaced by its best value at any later rank (the envelope);
// - AP at t = mean over the 101 recall points r = 0, 0.01, ..., 1 of the envelope at the
//   first rank whose recall reaches r (0 if none does); AP = mean over t and categories;
// - AR = recall after the last rank, mean over t and categories;
// - -1 when no ground truth counts for that area range.

const PERFECT = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];

// two images, two categories, one object of each size; at most one object per image and
// category, so even AR@1 is complete
const SIZED = boxDataset({
  images: [{ id: 1, width: 300, height: 300 }, { id: 2, width: 300, height: 300 }],
  categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'dog' }],
  boxes: [
    { image: 1, category: 1, box: [0, 0, 10, 10] }, // area 100: small
    { image: 1, category: 2, box: [20, 20, 50, 50] }, // 2500: medium
    { image: 2, category: 1, box: [0, 0, 120, 120] }, // 14400: large
    { image: 2, category: 2, box: [150, 150, 40, 40] }, // 1600: medium
  ],
});

test('perfect detections score 1 everywhere', () => {
  const results = SIZED.annotations.map((a, n) => detection(a.bbox, 0.9 - n * 0.1, { image: a.image_id, category: a.category_id }));
  const { stats, perCategory } = evaluate(SIZED, results, { iouType: 'bbox' });
  assertStats(stats, PERFECT);
  assert.deepEqual(perCategory.map((c) => [c.id, c.name]), [[1, 'cat'], [2, 'dog']]);
  for (const c of perCategory) assertStats(c.stats, c.id === 1 ? [1, 1, 1, 1, -1, 1, 1, 1, 1, 1, -1, 1] : [1, 1, 1, -1, 1, -1, 1, 1, 1, -1, 1, -1]);
});

test('no detections score 0, and -1 for area ranges without ground truth', () => {
  assertStats(evaluate(SIZED, [], { iouType: 'bbox' }).stats, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  // without the small object, the small range has nothing to find
  const noSmall = { ...SIZED, annotations: SIZED.annotations.slice(1) };
  assertStats(evaluate(noSmall, [], { iouType: 'bbox' }).stats, [0, 0, 0, -1, 0, 0, 0, 0, 0, -1, 0, 0]);
});

test('two ground truths, three detections', () => {
  // A = [0,0,10,10], B = [20,0,10,10] (both area 100: small)
  // d1 0.9 = A exactly (IoU 1); d2 0.8 = [21,0,10,10] on B: overlap 9*10 = 90, union 110,
  // IoU 0.818; d3 0.7 far away (IoU 0).
  // t <= 0.80 (7 thresholds): ranks TP TP FP, recall .5 1 1, precision 1 1 2/3 -> every
  //   recall point reads 1: AP_t = 1.
  // t >= 0.85 (3 thresholds): TP FP FP, recall .5 .5 .5, precision 1 1/2 1/3 -> points
  //   0..0.50 (51 of them) read 1, the rest 0: AP_t = 51/101.
  // AP = (7 + 3 * 51/101) / 10 = 860/1010. AP50 = AP75 = 1 (0.818 >= 0.75).
  // AR@100 = (7 * 1 + 3 * 0.5) / 10 = 0.85; AR@1 keeps d1 only: recall 0.5 at every t.
  const data = boxDataset({ boxes: [{ box: [0, 0, 10, 10] }, { box: [20, 0, 10, 10] }] });
  const results = [detection([0, 0, 10, 10], 0.9), detection([21, 0, 10, 10], 0.8), detection([50, 50, 10, 10], 0.7)];
  const ap = 860 / 1010;
  assertStats(evaluate(data, results, { iouType: 'bbox' }).stats, [ap, 1, 1, ap, -1, -1, 0.5, 0.85, 0.85, 0.85, -1, -1]);
});

test('101-point interpolation with the precision envelope', () => {
  // 3 ground truths; ranks TP FP TP FP TP (exact boxes or far away, the same at every t):
  //   recall    1/3  1/3  2/3  2/3  1
  //   precision 1    1/2  2/3  1/2  3/5
  //   envelope  1    2/3  2/3  3/5  3/5
  // points 0.00..0.33 (34) reach recall 1/3 at rank 1 -> 1; 0.34..0.66 (33) reach 2/3 at
  // rank 3 -> 2/3; 0.67..1.00 (34) reach 1 at rank 5 -> 3/5.
  // AP = (34 * 1 + 33 * 2/3 + 34 * 3/5) / 101 = 76.4 / 101.
  const gts = [[0, 0, 10, 10], [100, 0, 10, 10], [200, 0, 10, 10]];
  const data = boxDataset({ boxes: gts.map((box) => ({ box })) });
  const far = (n) => [300, 50 * n, 10, 10];
  const results = [
    detection(gts[0], 0.9), detection(far(1), 0.8), detection(gts[1], 0.7), detection(far(2), 0.6), detection(gts[2], 0.5),
  ];
  const ap = 76.4 / 101;
  // AR@1 and AR@10: one image, one category, so AR@1 keeps the first detection: recall 1/3
  assertStats(evaluate(data, results, { iouType: 'bbox' }).stats, [ap, ap, ap, ap, -1, -1, 1 / 3, 1, 1, 1, -1, -1]);
});

test('detections on a crowd region are ignored, and a crowd region takes any number of them', () => {
  // A = [0,0,10,10] (area 100); crowd C = [50,0,40,40]. Crowd IoU = overlap / detection area.
  // d4 0.95 [80,0,16,10]: 10x10 of its 160 inside C -> crowd IoU 0.625
  // d1 0.90 [55,5,10,10], d2 0.80 [70,20,10,10]: inside C -> crowd IoU 1
  // d3 0.70 = A
  // t in .50 .55 .60: d4, d1, d2 all on C (ignored), d3 TP -> precision 1: AP_t = 1
  // t >= .65 (7): d4 FP, d1 d2 ignored, d3 TP -> precision 0 then 1/2, envelope 1/2: AP_t = 1/2
  // AP = (3 + 7 * 0.5) / 10 = 0.65; AP50 = 1; AP75 = 0.5. Without the crowd rule d1 and d2
  // would be false positives ranked above d3.
  // AR@100 = 1. AR@1 keeps d4 alone: recall 0 at every t.
  // Small range: A and all detections are small -> same as all. Medium/large: only the crowd
  // region, which never counts -> -1.
  const data = boxDataset({ boxes: [{ box: [0, 0, 10, 10] }, { box: [50, 0, 40, 40], crowd: 1 }] });
  const results = [
    detection([80, 0, 16, 10], 0.95), detection([55, 5, 10, 10], 0.9), detection([70, 20, 10, 10], 0.8), detection([0, 0, 10, 10], 0.7),
  ];
  assertStats(evaluate(data, results, { iouType: 'bbox' }).stats, [0.65, 1, 0.5, 0.65, -1, -1, 0, 1, 1, 1, -1, -1]);
});

test('a detection takes a regular ground truth before a crowd region, and falls back to the region', () => {
  // crowd C = [0,0,20,20] listed first, A = [0,0,10,10].
  // An exact copy of A overlaps both fully, but regular ground truths are tried first: TP.
  const data = boxDataset({ boxes: [{ box: [0, 0, 20, 20], crowd: 1 }, { box: [0, 0, 10, 10] }] });
  assertStats(evaluate(data, [detection([0, 0, 10, 10], 0.9)], { iouType: 'bbox' }).stats, [1, 1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1]);
  // [0,0,9,8]: IoU with A 72/100 = 0.72, inside C (crowd IoU 1).
  // t <= .70 (5): TP on A -> AP_t 1, recall 1.
  // t >= .75 (5): A is out of reach, so it lands on C and is ignored; A stays unfound ->
  //   AP_t 0, recall 0. AP = AR = 0.5; AP50 = 1, AP75 = 0.
  assertStats(
    evaluate(data, [detection([0, 0, 9, 8], 0.9)], { iouType: 'bbox' }).stats,
    [0.5, 1, 0, 0.5, -1, -1, 0.5, 0.5, 0.5, 0.5, -1, -1],
  );
});

test('area ranges: ground truths outside count as ignored, unmatched detections outside are dropped', () => {
  // small S [0,0,10,10] (100), medium M [100,0,50,50] (2500), large L [0,100,100,100] (10000)
  // detections: F 0.95 [200,200,50,50] (medium size, matches nothing), S 0.90 exact, L 0.80 exact
  // all:    F S L = FP TP TP, recall 0 1/3 2/3, precision 0 1/2 2/3, envelope 2/3 everywhere up
  //         to recall 2/3: points 0.00..0.66 (67) read 2/3 -> AP = 67 * (2/3) / 101; AR 2/3.
  // small:  F unmatched and not small -> dropped; L on the ignored L -> ignored; S TP: AP 1, AR 1.
  // medium: F is a medium FP; S and L land on ignored ground truths; M unfound: AP 0, AR 0.
  // large:  like small: AP 1, AR 1.
  // AR@1 keeps F alone: 0.
  const data = boxDataset({ boxes: [{ box: [0, 0, 10, 10] }, { box: [100, 0, 50, 50] }, { box: [0, 100, 100, 100] }] });
  const results = [detection([200, 200, 50, 50], 0.95), detection([0, 0, 10, 10], 0.9), detection([0, 100, 100, 100], 0.8)];
  const ap = (67 * (2 / 3)) / 101;
  assertStats(evaluate(data, results, { iouType: 'bbox' }).stats, [ap, ap, ap, 1, 0, 1, 0, 2 / 3, 2 / 3, 1, 0, 1]);
});

test('area range limits are inclusive and use the annotation\'s area field', () => {
  // a 32x32 box has area 1024 = 32^2: it is both small and medium
  const data = boxDataset({ boxes: [{ box: [0, 0, 32, 32] }] });
  assertStats(evaluate(data, [detection([0, 0, 32, 32], 0.9)], { iouType: 'bbox' }).stats, [1, 1, 1, 1, 1, -1, 1, 1, 1, 1, 1, -1]);
  // the same box declared with area 5000 is medium only
  const declared = boxDataset({ boxes: [{ box: [0, 0, 32, 32], area: 5000 }] });
  assertStats(evaluate(declared, [detection([0, 0, 32, 32], 0.9)], { iouType: 'bbox' }).stats, [1, 1, 1, -1, 1, -1, 1, 1, 1, -1, 1, -1]);
});

test('maxDets: 1, 10 and 100 detections per image and category', () => {
  // 12 objects in a row, found exactly, scores falling: AR@1 = 1/12, AR@10 = 10/12, AR@100 = 1
  const boxes = Array.from({ length: 12 }, (_, n) => ({ box: [n * 20, 0, 10, 10] }));
  const data = boxDataset({ boxes });
  const results = boxes.map(({ box }, n) => detection(box, 0.9 - n * 0.01));
  assertStats(evaluate(data, results, { iouType: 'bbox' }).stats, [1, 1, 1, 1, -1, -1, 1 / 12, 10 / 12, 1, 1, -1, -1]);
});

test('only the 100 best-scored detections of an image and category are read', () => {
  const data = boxDataset({ boxes: [{ box: [0, 0, 10, 10] }] });
  const misses = Array.from({ length: 100 }, (_, n) => detection([200, n * 2, 1, 1], 0.5));
  // the hit ranks 101st: cut off -> nothing found
  assertStats(evaluate(data, [...misses, detection([0, 0, 10, 10], 0.4)], { iouType: 'bbox' }).stats, [0, 0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1]);
  // the hit ranks first: found at once, the misses after it do not lower the envelope
  assertStats(evaluate(data, [...misses, detection([0, 0, 10, 10], 0.6)], { iouType: 'bbox' }).stats, [1, 1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1]);
});

test('the limit applies per category: one object of each of two classes is found with maxDets 1', () => {
  const data = boxDataset({
    categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }],
    boxes: [{ box: [0, 0, 10, 10], category: 1 }, { box: [50, 0, 10, 10], category: 2 }],
  });
  const results = [detection([0, 0, 10, 10], 0.9, { category: 1 }), detection([50, 0, 10, 10], 0.8, { category: 2 })];
  assertStats(evaluate(data, results, { iouType: 'bbox' }).stats, [1, 1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1]);
});

test('equal scores keep the results\' order within an image, and image id order across images', () => {
  const data = boxDataset({ boxes: [{ box: [0, 0, 10, 10] }] });
  const hit = detection([0, 0, 10, 10], 0.5), miss = detection([100, 100, 10, 10], 0.5);
  // miss then hit: precision 0 then 1/2, envelope 1/2 -> AP 0.5; hit then miss -> AP 1
  assertNear(evaluate(data, [miss, hit], { iouType: 'bbox' }).stats[0], 0.5);
  assertNear(evaluate(data, [hit, miss], { iouType: 'bbox' }).stats[0], 1);
  // images listed 2 then 1, the object in image 2, results listed for image 2 first: images
  // are ranked by id, so image 1's miss comes before image 2's hit -> AP 0.5
  const twoImages = boxDataset({
    images: [{ id: 2, width: 100, height: 100 }, { id: 1, width: 100, height: 100 }],
    boxes: [{ box: [0, 0, 10, 10], image: 2 }],
  });
  const results = [detection([0, 0, 10, 10], 0.5, { image: 2 }), detection([0, 0, 10, 10], 0.5, { image: 1 })];
  assertNear(evaluate(twoImages, results, { iouType: 'bbox' }).stats[0], 0.5);
});

test('the mean runs over categories that have ground truth', () => {
  // a: found (AP 1); b: not found (AP 0); c: no ground truth, no detections (-1);
  // d: detections but no ground truth (-1). Mean over a and b: 0.5.
  const data = boxDataset({
    categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 3, name: 'c' }, { id: 4, name: 'd' }],
    boxes: [{ box: [0, 0, 10, 10], category: 1 }, { box: [50, 0, 10, 10], category: 2 }],
  });
  const results = [detection([0, 0, 10, 10], 0.9, { category: 1 }), detection([80, 80, 10, 10], 0.8, { category: 4 })];
  const { stats, perCategory } = evaluate(data, results, { iouType: 'bbox' });
  assertNear(stats[0], 0.5);
  assertNear(stats[8], 0.5);
  [1, 0, -1, -1].forEach((ap, k) => assertNear(perCategory[k].stats[0], ap, `category ${k}: `));
  // detections of a category the annotations do not list are left out
  const unknown = [...results, detection([50, 0, 10, 10], 0.95, { category: 99 })];
  assertNear(evaluate(data, unknown, { iouType: 'bbox' }).stats[0], 0.5);
});

test('an `ignore` key does not count, only iscrowd (pycocotools overwrites it)', () => {
  const data = boxDataset({ boxes: [{ box: [0, 0, 10, 10] }] });
  data.annotations[0].ignore = 1;
  assert.equal(evaluate(data, [], { iouType: 'bbox' }).stats[0], 0);
});

test('a match with a ground truth whose id is 0 reads as no match, as in pycocotools', () => {
  // pycocotools records a match by the ground truth's id, and 0 means unmatched
  const data = boxDataset({ boxes: [{ id: 0, box: [0, 0, 10, 10] }] });
  assertStats(evaluate(data, [detection([0, 0, 10, 10], 0.9)], { iouType: 'bbox' }).stats, [0, 0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1]);
});

test('bad options are refused', () => {
  const data = boxDataset({ boxes: [{ box: [0, 0, 10, 10] }] });
  assert.throws(() => evaluate(data, [], {}), /iouType must be 'bbox' or 'segm'/);
  assert.throws(() => evaluate(data, [], { iouType: 'keypoints' }), /iouType/);
});
