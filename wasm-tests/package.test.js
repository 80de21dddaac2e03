// The package as a user gets it: `npm pack`, installed into an empty project, imported in
// Node, imported by a page in Debian's Chromium (cross-origin isolated with threads, and not,
// single-threaded), and bundled by Vite (examples/vite-app). Results in the browser equal
// the Node results for the same pixels.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { load } from '../web/src/node.js';
import { launchChromium } from './support/browser.js';
import { assertSameResult } from './support/compare.js';
import { checkDist, e2eCase, fixturePath, ROOT, smallModelBytes } from './support/fixtures.js';
import { installExample, packPackage, png, run, runExamplePage } from './support/packed.js';
import { startServer } from './support/server.js';

const OPTIONS = { maxInstances: 3 };

let work;      // temporary folder: the tarball and the user's project
let project;
let tarball;
let c;         // the e2e_r18 case: its image is the test image
let small;     // a quick model (small preprocessing sizes)
let expectedSmall;
let expectedFull;
let browser;

async function segmentInNode(model) {
  const segmenter = await load({ model, threads: 2 });
  try {
    return await segmenter.segment(c.image, OPTIONS);
  } finally {
    await segmenter.dispose();
  }
}

before(async () => {
  checkDist();
  work = mkdtempSync(join(tmpdir(), 'mrw-package-'));
  tarball = await packPackage(work);
  project = await installExample('vite-app', join(work, 'app'), tarball);
  c = e2eCase('e2e_r18');
  small = smallModelBytes(96);
  expectedSmall = await segmentInNode(small);
  expectedFull = await segmentInNode(c.modelPath);
  assert.equal(expectedSmall.instances.length, OPTIONS.maxInstances);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the code, types, WebAssembly assets and CLI, and no sources or tests', async (t) => {
  const { stdout } = await run('tar', ['-tzf', tarball]);
  const files = stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
  for (const f of ['package.json', 'README.md', 'web/src/index.js', 'web/src/node.js', 'web/src/index.d.ts', 'web/src/node.d.ts',
    'web/src/engine/worker.js', 'web/src/cli/main.js', 'dist/maskrcnn-wasm-simd.js', 'dist/maskrcnn-wasm-simd.wasm',
    'dist/maskrcnn-wasm-threads.js', 'dist/maskrcnn-wasm-threads.wasm', 'dist/maskrcnn-wasm-threads.worker.js',
    'dist/node/maskrcnn-wasm-node.js', 'dist/node/maskrcnn-wasm-node.wasm', 'dist/node/package.json']) {
    assert.ok(files.includes(f), `the tarball lacks ${f}`);
  }
  for (const f of files) assert.ok(!/^(src|tests|wasm-tests|build|bench|fuzz|scripts|examples)\//.test(f), `the tarball holds ${f}`);
  // The default model (load() without a model) and the live model in int8 (webcam pages) ship
  // when the repository has them, and no other model file does.
  const shipped = ['models/default.safetensors', 'models/live-int8.safetensors'];
  let modelBytes = 0;
  for (const f of shipped) {
    const path = join(ROOT, f);
    const bytes = existsSync(path) ? statSync(path).size : 0;
    assert.equal(files.includes(f), bytes > 0, f);
    modelBytes += bytes;
  }
  assert.deepEqual(files.filter((f) => /^models\/.*\.(safetensors|gz|py)$/.test(f) && !shipped.includes(f)), []);
  const size = statSync(tarball).size;
  t.diagnostic(`${files.length} files, ${(size / 1024).toFixed(0)} KB (the models: ${(modelBytes / 1024).toFixed(0)} KB unpacked)`);
  assert.ok(size < (2 << 20) + modelBytes, `the tarball is ${size} bytes`);
});

test('installed into an empty project: imported by name in Node, and its CLI runs', { timeout: 120_000 }, async () => {
  const modelPath = join(work, 'small.safetensors');
  const imagePath = join(work, 'image.rgba');
  writeFileSync(modelPath, small);
  writeFileSync(imagePath, c.image.data);
  writeFileSync(join(project, 'use.js'), `
import { readFileSync } from 'node:fs';
import { load } from 'maskrcnn-wasm';
const [model, image, width, height] = process.argv.slice(2);
const segmenter = await load({ model, threads: 1 });
const result = await segmenter.segment({ data: readFileSync(image), width: +width, height: +height }, { maxInstances: ${OPTIONS.maxInstances} });
await segmenter.dispose();
for (const i of result.instances) i.mask.data = Array.from(i.mask.data);
console.log(JSON.stringify({ backend: segmenter.backend, result }));
`);
  const { stdout } = await run(process.execPath, ['use.js', modelPath, imagePath, String(c.image.width), String(c.image.height)], { cwd: project });
  const { backend, result } = JSON.parse(stdout);
  assert.deepEqual(backend, { build: 'node', simd: true, threads: 1, worker: false });
  assertSameResult(result, expectedSmall, 'the installed package in Node');

  const bin = join(project, 'node_modules', '.bin', 'maskrcnn-wasm');
  const version = await run(bin, ['--version']);
  assert.equal(version.stdout.trim(), '0.1.0');

  // its converter writes convert.py's file
  const converted = join(work, 'converted.safetensors');
  await run(bin, ['convert', join(fixturePath('convert'), 'mnv3.pth'), converted, '--fp16'], { cwd: project });
  assert.ok(readFileSync(converted).equals(readFileSync(join(fixturePath('convert'), 'mnv3_fp16.safetensors'))),
    'maskrcnn-wasm convert in the installed package differs from convert.py');

  // its JPEG decoder (a dependency the install brings) gives PIL's pixels
  const jpegFile = join(fixturePath('images'), 'jpeg-420-progressive.jpg');
  writeFileSync(join(project, 'decode.js'), `
import { readFileSync } from 'node:fs';
import { decodeImage } from 'maskrcnn-wasm';
const image = await decodeImage(readFileSync(process.argv[2]));
const rgb = Buffer.alloc(image.width * image.height * 3);
for (let p = 0; p < image.width * image.height; p++) for (let k = 0; k < 3; k++) rgb[3 * p + k] = image.data[4 * p + k];
process.stdout.write(rgb);
`);
  const decoded = await run(process.execPath, ['decode.js', jpegFile], { cwd: project, encoding: 'buffer', maxBuffer: 16 << 20 });
  assert.ok(decoded.stdout.equals(readFileSync(jpegFile.replace(/\.jpg$/, '.rgb'))), 'decodeImage in the installed package equals PIL');
});

describe('in Chromium', () => {
  const mounts = () => ({
    '/pkg/': join(project, 'node_modules', 'maskrcnn-wasm'),
    '/app/': join(ROOT, 'wasm-tests', 'browser'),
    '/elsewhere/': join(project, 'node_modules', 'maskrcnn-wasm', 'dist'),
  });
  const routes = () => ({
    '/small.safetensors': { body: Buffer.from(small) },
    '/full.safetensors': { body: () => readFileSync(c.modelPath) },
    '/image.rgba': { body: Buffer.from(c.image.data) },
    '/image.png': { body: png(c.image), type: 'image/png' },
  });

  for (const isolated of [true, false]) {
    test(`a page imports the package ${isolated ? 'cross-origin isolated: threads' : 'not isolated: one thread'}; results equal Node's`, { timeout: 300_000 }, async () => {
      const server = await startServer({ mounts: mounts(), routes: routes(), isolated });
      const page = await browser.page();
      try {
        const query = new URLSearchParams({ model: '/small.safetensors', rgba: '/image.rgba', png: '/image.png',
          width: c.image.width, height: c.image.height, maxInstances: OPTIONS.maxInstances, wasmPaths: '/elsewhere' });
        await page.goto(server.url(`/app/page.html?${query}`));
        await page.waitForFunction(() => window.report, null, { timeout: 240_000 });
        const report = await page.evaluate(() => window.report);
        assert.equal(report.error, undefined, `${report.error}\n${browser.messages.join('\n')}`);
        assert.equal(report.isolated, isolated);
        assert.equal(report.backend.build, isolated ? 'simd-threads' : 'simd');
        assert.ok(isolated ? report.backend.threads >= 2 : report.backend.threads === 1, `threads: ${report.backend.threads}`);
        assert.equal(report.backend.worker, true);
        assert.deepEqual(report.labels, ['__background__', 'circle', 'square', 'triangle']);
        assert.equal(report.progress.model[0], small.length);
        assert.equal(report.progress.model[1], small.length);
        for (const [source, result] of Object.entries(report.results)) assertSameResult(result, expectedSmall, `segment(${source})`);
        assertSameResult(report.afterErrors, expectedSmall, 'after the errors');
        assert.equal(report.drawn.changedInMasks, report.drawn.maskPixels);
        assert.ok(report.drawn.maskPixels > 0);
        assert.equal(report.drawn.changedOutside, 0);
        assert.match(report.errors.unsupported, /^true: segment: unsupported image source \(HTMLBodyElement\)/);
        assert.match(report.errors.notLoaded, /^true: segment: the image has not loaded/);
        assert.match(report.errors.wrongLength, /^true: segment: the pixel buffer has 7 bytes; a 2x2 RGBA image needs 16/);
        assert.match(report.errors.zeroSize, /^true: segment: image size 0x5 is not allowed/);
        assert.match(report.errors.videoWithoutFrame, /^true: segment: the video has no frame yet/);
        assert.match(report.afterDispose, /^true: segment: this segmenter has been disposed/);
        assert.equal(report.onPage.backend.worker, false);
        assert.equal(report.onPage.backend.build, report.backend.build);
        assertSameResult(report.onPage.result, expectedSmall, 'the engine on the page\'s thread');
        const build = isolated ? 'maskrcnn-wasm-threads' : 'maskrcnn-wasm-simd';
        assert.ok(server.requests.includes(`/pkg/dist/${build}.wasm`), 'the worker engine loads the package\'s own files');
        assert.ok(server.requests.includes(`/elsewhere/${build}.wasm`), 'wasmPaths: the page engine loads its files from elsewhere');
        assert.ok(server.requests.includes(`/elsewhere/${build}.js`));
      } finally {
        await page.close();
        await server.close();
      }
    });
  }

  test('an app built with Vite (examples/vite-app) finds its WebAssembly assets and runs', { timeout: 300_000 }, async () => {
    await run(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: project });
    const assets = readdirSync(join(project, 'dist', 'assets'));
    assert.ok(assets.some((f) => /^maskrcnn-wasm-simd-.*\.wasm$/.test(f)), `no .wasm among ${assets}`);
    assert.ok(assets.some((f) => /^maskrcnn-wasm-threads-.*\.wasm$/.test(f)), `no threads .wasm among ${assets}`);
    for (const isolated of [true, false]) {
      const server = await startServer({ mounts: { '/': join(project, 'dist') }, routes: routes(), isolated });
      const page = await browser.page();
      try {
        const { backend, result } = await runExamplePage(browser, page,
          server.url(`/?model=/full.safetensors&image=/image.png&maxInstances=${OPTIONS.maxInstances}`));
        assert.equal(backend.build, isolated ? 'simd-threads' : 'simd');
        assertSameResult(result, expectedFull, `the Vite app${isolated ? ', isolated' : ''}`);
        assert.ok(server.requests.some((p) => /^\/assets\/maskrcnn-wasm-(simd|threads)-.*\.wasm$/.test(p)));
      } finally {
        await page.close();
        await server.close();
      }
    }
  });
});
