// The CLI: segment reads PNG and JPEG, writes the JSON of the format (COCO RLE of the
// full-image masks, equal to the API's masks), overlay PNGs, folders with a progress bar;
// eval dispatches; usage errors name the problem.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';

import jpeg from 'jpeg-js';
import pngjs from 'pngjs';

import { load } from '../web/src/node.js';
import { fullMask } from './support/compare.js';
import { e2eCase, ROOT, smallModelBytes } from './support/fixtures.js';
import { decodeRle } from './support/rle.js';

const CLI = join(ROOT, 'web', 'src', 'cli', 'main.js');
const run = promisify(execFile);
let dir;
let modelPath;
let c;

async function cli(args, { ok = true } = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: dir, maxBuffer: 64 << 20 });
    assert.ok(ok, `expected a failure, got success: ${stderr}`);
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (ok || e.code === undefined) throw e;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function writePng(path, image) {
  const png = new pngjs.PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data);
  writeFileSync(path, pngjs.PNG.sync.write(png));
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mrw-cli-'));
  modelPath = join(dir, 'small.safetensors');
  writeFileSync(modelPath, smallModelBytes(96));
  c = e2eCase('e2e_r18');
  writePng(join(dir, 'shapes.png'), c.image);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('segment a PNG: JSON of the given format, masks equal to the API\'s, an overlay', { timeout: 120_000 }, async () => {
  const { stderr } = await cli(['segment', 'shapes.png', '--model', modelPath, '--max-instances', '3',
    '--json', 'out.json', '--overlay', 'overlay.png', '--threads', '2', '--score-threshold', '0.05']);
  assert.match(stderr, /shapes\.png: 3 instances \(/);
  const json = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
  assert.deepEqual(Object.keys(json), ['width', 'height', 'instances']);
  assert.equal(json.width, c.image.width);
  assert.equal(json.height, c.image.height);
  assert.equal(json.instances.length, 3);

  const segmenter = await load({ model: modelPath, threads: 1 });
  let api;
  try {
    api = await segmenter.segment(c.image, { maxInstances: 3 });
  } finally {
    await segmenter.dispose();
  }
  json.instances.forEach((instance, i) => {
    assert.deepEqual(Object.keys(instance), ['box', 'label', 'className', 'score', 'mask']);
    assert.deepEqual(instance.box, api.instances[i].box);
    assert.equal(instance.label, api.instances[i].label);
    assert.equal(instance.className, api.instances[i].className);
    assert.equal(instance.score, api.instances[i].score);
    assert.deepEqual(instance.mask.size, [c.image.height, c.image.width]);
    const decoded = decodeRle(instance.mask.counts, c.image.height, c.image.width);
    assert.deepEqual(decoded, fullMask(api.instances[i].mask, c.image.width, c.image.height), `instance ${i} mask`);
    assert.ok(decoded.some((v) => v === 1), `instance ${i} has an empty mask`);
  });

  const overlay = pngjs.PNG.sync.read(readFileSync(join(dir, 'overlay.png')));
  assert.equal(overlay.width, c.image.width);
  assert.equal(overlay.height, c.image.height);
  const best = api.instances[0].mask;
  let changedInside = 0;
  let changedOutside = 0;
  const mask = fullMask(best, c.image.width, c.image.height);
  const allMasks = new Uint8Array(mask.length);
  for (const instance of api.instances) fullMask(instance.mask, c.image.width, c.image.height).forEach((v, p) => { allMasks[p] |= v; });
  for (let p = 0; p < mask.length; p++) {
    const changed = [0, 1, 2].some((k) => overlay.data[p * 4 + k] !== c.image.data[p * 4 + k]);
    if (mask[p]) changedInside += changed;
    else if (!allMasks[p]) changedOutside += changed;
  }
  const maskArea = mask.reduce((a, v) => a + v, 0);
  assert.ok(changedInside > maskArea * 0.5, `the best mask is tinted (${changedInside} of ${maskArea} pixels changed)`);
  assert.ok(changedOutside < mask.length * 0.2, `boxes and captions only outside the masks (${changedOutside} pixels changed)`);
});

test('segment a JPEG to stdout; a folder gets a progress bar and a JSON per image', { timeout: 120_000 }, async () => {
  const encoded = jpeg.encode({ data: Buffer.from(c.image.data), width: c.image.width, height: c.image.height }, 95);
  writeFileSync(join(dir, 'shapes.jpg'), encoded.data);
  const { stdout } = await cli(['segment', 'shapes.jpg', '--model', modelPath, '--max-instances', '2', '--score-threshold', '0.5']);
  const json = JSON.parse(stdout);
  assert.equal(json.width, c.image.width);
  assert.ok(json.instances.length <= 2);
  assert.ok(json.instances.every((i) => i.score >= 0.5));

  const folder = join(dir, 'images');
  mkdirSync(folder);
  writePng(join(folder, 'a.png'), c.image);
  writeFileSync(join(folder, 'b.jpg'), encoded.data);
  writeFileSync(join(folder, 'notes.txt'), 'not an image');
  const { stderr } = await cli(['segment', 'images', '--model', modelPath, '--max-instances', '1', '--json', 'jsons', '--overlay', 'overlays']);
  assert.match(stderr, /\[#+\.+\] 1\/2 a\.png: 1 instance/);
  assert.match(stderr, /\[#+\] 2\/2 b\.jpg: 1 instance/);
  for (const name of ['a', 'b']) {
    const out = JSON.parse(readFileSync(join(dir, 'jsons', `${name}.json`), 'utf8'));
    assert.equal(out.instances.length, 1);
    assert.ok(existsSync(join(dir, 'overlays', `${name}.png`)));
  }
  assert.ok(!existsSync(join(dir, 'jsons', 'notes.json')));
});

test('the overlay shows instances scoring 0.5 or more by default; the JSON keeps the model\'s threshold', { timeout: 120_000 }, async () => {
  // the default model on a sample scene: its objects score near 1, weak duplicates follow
  const scene = join(ROOT, 'web', 'demo', 'samples', 'scene-1.png');
  await cli(['segment', scene, '--json', 'all.json', '--overlay', 'default-overlay.png']);
  const json = JSON.parse(readFileSync(join(dir, 'all.json'), 'utf8'));
  const weak = json.instances.filter((i) => i.score < 0.5).length;
  assert.ok(weak > 0 && weak < json.instances.length, `scores on both sides of 0.5 (${weak} of ${json.instances.length} weak)`);
  assert.ok(json.instances.every((i) => i.score >= 0.05), 'the JSON keeps the model\'s 0.05');
  await cli(['segment', scene, '--json', 'half.json', '--overlay', 'half-overlay.png', '--score-threshold', '0.5']);
  await cli(['segment', scene, '--json', 'low.json', '--overlay', 'low-overlay.png', '--score-threshold', '0.05']);
  const pixels = (name) => pngjs.PNG.sync.read(readFileSync(join(dir, name))).data;
  assert.ok(pixels('default-overlay.png').equals(pixels('half-overlay.png')), 'the default overlay is the one at 0.5');
  assert.ok(!pixels('default-overlay.png').equals(pixels('low-overlay.png')), 'weak instances are not drawn by default');
  assert.ok(JSON.parse(readFileSync(join(dir, 'half.json'), 'utf8')).instances.every((i) => i.score >= 0.5), '--score-threshold sets the JSON\'s too');
});

test('usage errors name the problem; eval dispatches', async () => {
  let r = await cli(['segment', 'shapes.png', '--model', modelPath, '--threads', 'many'], { ok: false });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--threads expects a whole number or auto, not 'many'/);
  r = await cli(['segment', 'shapes.png', '--model', modelPath, '--score-threshold', '2'], { ok: false });
  assert.match(r.stderr, /--score-threshold must be from 0 to 1, not 2/);
  r = await cli(['segment', 'missing.png', '--model', modelPath], { ok: false });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /missing\.png: no such file or folder/);
  r = await cli(['segment', 'out.json', '--model', modelPath], { ok: false });
  assert.match(r.stderr, /out\.json: not a PNG or JPEG file/);
  const png = readFileSync(join(dir, 'shapes.png'));
  png.writeUInt32BE(60000, 16);   // IHDR width and height
  png.writeUInt32BE(60000, 20);
  writeFileSync(join(dir, 'huge.png'), png);
  r = await cli(['segment', 'huge.png', '--model', modelPath], { ok: false });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /huge\.png: PNG file declares a 60000x60000 image; the largest side accepted is 16384 pixels/);
  r = await cli(['segment', 'shapes.png', '--model', modelPath, '--exif-orientation', '--max-instances', '1']);
  assert.equal(JSON.parse(r.stdout).width, c.image.width, '--exif-orientation is accepted (a PNG is not turned)');
  r = await cli(['frobnicate'], { ok: false });
  assert.match(r.stderr, /unknown command 'frobnicate'/);

  // without --model: the shipped default model, whose classes are the six shapes
  r = await cli(['segment', 'shapes.png', '--max-instances', '1']);
  const withDefault = JSON.parse(r.stdout);
  assert.equal(withDefault.width, c.image.width);
  for (const instance of withDefault.instances) {
    assert.ok(['circle', 'square', 'triangle', 'star', 'ring', 'cross'].includes(instance.className));
  }

  r = await cli(['eval', '--help']);
  assert.match(r.stdout, /maskrcnn-wasm eval --annotations COCO\.json --results RESULTS\.json/);
});
