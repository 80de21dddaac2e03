import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, readFile, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../web/src/cli/eval.js';
import { decodeMask, encodeMask } from '../../web/src/coco/index.js';
import { resultToCoco } from '../../web/src/coco/predict.js';

const dir = await mkdtemp(path.join(tmpdir(), 'coco-eval-'));
after(() => rm(dir, { recursive: true, force: true }));

// one 20x10 image with a 4x4 square (columns 2-5, rows 2-5) and a 2x8 bar (columns 10-11,
// rows 1-8), both given as polygons
const ANNOTATIONS = {
  images: [{ id: 1, file_name: 'a.png', width: 20, height: 10 }],
  categories: [{ id: 3, name: 'square' }, { id: 5, name: 'bar' }],
  annotations: [
    { id: 1, image_id: 1, category_id: 3, segmentation: [[2, 2, 2, 6, 6, 6, 6, 2]], area: 16, bbox: [2, 2, 4, 4], iscrowd: 0 },
    { id: 2, image_id: 1, category_id: 5, segmentation: [[10, 1, 10, 9, 12, 9, 12, 1]], area: 16, bbox: [10, 1, 2, 8], iscrowd: 0 },
  ],
};
const annotationsFile = path.join(dir, 'annotations.json');
await writeFile(annotationsFile, JSON.stringify(ANNOTATIONS));

async function run(argv, io = {}) {
  let out = '', err = '';
  const code = await main(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, ...io });
  return { code, out, err };
}

const AP_LINE = (value) => ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ${value}`;

test('argument errors name the problem and exit with 2', async () => {
  const cases = [
    [[], /--annotations COCO.json is required/],
    [['--annotations', annotationsFile], /give --results RESULTS.json, or --images DIR \(and --model FILE\) to run a model/],
    [['--annotations', annotationsFile, '--results', 'r.json', '--model', 'm'], /either --results or --model, not both/],
    [['--annotations', annotationsFile, '--model', 'm'], /--model needs --images DIR/],
    [['--annotations', annotationsFile, '--results', 'r.json', '--json', 'x.json'], /--json goes with --model/],
    [['--annotations', annotationsFile, '--model', 'm', '--images', dir, '--threads', 'many'], /--threads must be a positive whole number or 'auto', not 'many'/],
    [['--annotations', annotationsFile, '--results', path.join(dir, 'missing.json')], /--results: .*missing.json does not exist/],
    [['--annotations', annotationsFile, '--results'], /argument missing|--results/],
    [['--annotations', annotationsFile, '--frobnicate'], /Unknown option '--frobnicate'/],
    [['--annotations', annotationsFile, 'extra'], /positional/],
  ];
  for (const [argv, message] of cases) {
    const { code, out, err } = await run(argv);
    assert.equal(code, 2, argv.join(' '));
    assert.match(err, message);
    assert.equal(out, '');
  }
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /maskrcnn-wasm eval --annotations COCO.json --results RESULTS.json/);
});

test('scores a results file: box table, and a mask table only when every result has a mask', async () => {
  const boxes = path.join(dir, 'boxes.json');
  // the square exactly, the bar missed
  await writeFile(boxes, JSON.stringify([{ image_id: 1, category_id: 3, bbox: [2, 2, 4, 4], score: 0.9 }]));
  const { code, out, err } = await run(['--annotations', annotationsFile, '--results', boxes]);
  assert.equal(code, 0, err);
  assert.match(out, /^Box \(bbox\):\n/);
  // square AP 1, bar AP 0: mean 0.5
  assert.ok(out.includes(AP_LINE('0.500')), out);
  assert.doesNotMatch(out, /Mask/);
  assert.match(out, /square\s+1\.000\n/);
  assert.match(out, /bar\s+0\.000/);
});

test('data errors exit with 1 and say why', async () => {
  const bad = path.join(dir, 'bad.json');
  await writeFile(bad, '[{');
  let r = await run(['--annotations', annotationsFile, '--results', bad]);
  assert.equal(r.code, 1);
  assert.match(r.err, /bad.json is not valid JSON/);
  const elsewhere = path.join(dir, 'elsewhere.json');
  await writeFile(elsewhere, JSON.stringify([{ image_id: 42, category_id: 3, bbox: [0, 0, 1, 1], score: 1 }]));
  r = await run(['--annotations', annotationsFile, '--results', elsewhere]);
  assert.equal(r.code, 1);
  assert.match(r.err, /image_id 42, which is not an image of the annotations/);
});

test('eval --model runs the segmenter on every image, writes the results and scores boxes and masks', async () => {
  const images = path.join(dir, 'images');
  await mkdir(images, { recursive: true });
  const modelFile = path.join(dir, 'model.bin');
  await writeFile(modelFile, Uint8Array.of(1, 2, 3));  // given to load() by its path, which reads it
  const json = path.join(dir, 'out.json');
  const calls = { load: [], read: [], segment: [], disposed: 0 };
  // the engine's RLE of a rectangle mask in the 20x10 image, as segment(..., { rle: true }) gives it
  const rle = (x, y, w, h) => encodeMask(Array.from({ length: 200 }, (_, p) => {
    const [px, py] = [p % 20, Math.floor(p / 20)];
    return px >= x && px < x + w && py >= y && py < y + h ? 1 : 0;
  }), 10, 20).counts;
  const load = async (options) => {
    calls.load.push(options);
    return {
      segment: async (image, options) => {
        calls.segment.push({ width: image.width, height: image.height, options });
        return {
          instances: [
            { box: [2, 2, 6, 6], label: 1, className: 'square', score: 0.9, mask: { rle: rle(2, 2, 4, 4) } },
            { box: [10, 1, 12, 9], label: 2, className: 'bar', score: 0.8, mask: { rle: rle(10, 1, 2, 8) } },
            { box: [0, 0, 1, 1], label: 3, className: 'kite', score: 0.7, mask: { rle: rle(0, 0, 1, 1) } },
          ],
        };
      },
      dispose: async () => { calls.disposed++; },
    };
  };
  const readImage = async (file) => {
    calls.read.push(file);
    return { data: new Uint8ClampedArray(20 * 10 * 4), width: 20, height: 10 };
  };
  const { code, out, err } = await run(
    ['--model', modelFile, '--annotations', annotationsFile, '--images', images, '--json', json, '--threads', '2'],
    { load, readImage },
  );
  assert.equal(code, 0, err);
  assert.deepEqual(calls.load.map((o) => [o.model, o.threads]), [[modelFile, 2]]);
  assert.deepEqual(calls.read, [path.join(images, 'a.png')]);
  assert.deepEqual(calls.segment, [{ width: 20, height: 10, options: { scoreThreshold: 0.05, maxInstances: 100, rle: true } }]);
  assert.equal(calls.disposed, 1);
  assert.match(err, /\[1\/1\] .*a\.png: 2 instances/);
  assert.match(err, /1 detections of class 'kite' left out/);

  // both objects found exactly, as boxes and as masks
  const [box, mask] = out.split('\n\n');
  assert.match(box, /^Box \(bbox\):/);
  assert.ok(box.includes(AP_LINE('1.000')), box);
  assert.match(mask, /^Mask \(segm\):/);
  assert.ok(mask.includes(AP_LINE('1.000')), mask);

  const written = JSON.parse(await readFile(json, 'utf8'));
  assert.deepEqual(written.map((r) => [r.image_id, r.category_id, r.bbox, r.score]), [[1, 3, [2, 2, 4, 4], 0.9], [1, 5, [10, 1, 2, 8], 0.8]]);
  const square = decodeMask(written[0].segmentation);
  assert.deepEqual(written[0].segmentation.size, [10, 20]);
  for (let y = 0; y < 10; y++) {
    for (let x = 0; x < 20; x++) assert.equal(square[y * 20 + x], x >= 2 && x <= 5 && y >= 2 && y <= 5 ? 1 : 0, `pixel ${x},${y}`);
  }
});

test('eval --model refuses an image whose size differs from the annotations', async () => {
  const modelFile = path.join(dir, 'model.bin');
  await writeFile(modelFile, Uint8Array.of(1));
  let disposed = 0;
  const load = async () => ({ segment: async () => ({ instances: [] }), dispose: async () => { disposed++; } });
  const readImage = async () => ({ data: new Uint8ClampedArray(30 * 10 * 4), width: 30, height: 10 });
  const { code, err } = await run(['--model', modelFile, '--annotations', annotationsFile, '--images', dir], { load, readImage });
  assert.equal(code, 1);
  assert.match(err, /a\.png is 30x10 but the annotations say 20x10/);
  assert.equal(disposed, 1, 'the segmenter is disposed after a failure too');
});

test('instances become COCO results: [x1, y1, x2, y2] to [x, y, w, h], class names to category ids', () => {
  const { records, unknownClasses } = resultToCoco(
    { instances: [{ box: [1.5, 2.25, 4, 5], className: 'bar', score: 0.5 }, { box: [0, 0, 1, 1], className: 'N/A', score: 0.4 },
      { box: [0, 0, 2, 3], className: 'bar', score: 0.3, mask: { rle: '04' } }] },
    { imageId: 7, width: 8, height: 6, categoryIdByName: new Map([['bar', 5]]) },
  );
  assert.deepEqual(records, [{ image_id: 7, category_id: 5, bbox: [1.5, 2.25, 2.5, 2.75], score: 0.5 },
    { image_id: 7, category_id: 5, bbox: [0, 0, 2, 3], score: 0.3, segmentation: { size: [6, 8], counts: '04' } }]);
  assert.deepEqual(unknownClasses, ['N/A']);
});
