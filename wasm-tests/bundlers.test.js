// The packed package in apps made with bundlers, as their READMEs say to run them: the webpack
// example (examples/webpack-app) built for production and served, and the Vite example
// (examples/vite-app) under Vite's dev server. Each page runs in Debian's Chromium, finds the
// package's WebAssembly and worker files, and gives the Node results for the same pixels: with
// a model given by URL, and with the package's default model (load() without a model), which
// the bundler serves or copies with the package's other files.
// (`vite build` of the Vite example is tested in package.test.js.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { decodeImage, load } from '../web/src/node.js';
import { launchChromium } from './support/browser.js';
import { assertSameResult } from './support/compare.js';
import { checkDist, e2eCase, ROOT } from './support/fixtures.js';
import { installExample, packPackage, png, run, runExamplePage } from './support/packed.js';
import { startServer } from './support/server.js';

const MAX_INSTANCES = 3;

let work;      // temporary folder: the tarball and the apps
let tarball;
let c;         // the e2e_r18 case: its model and image
let expected;  // its result in Node
let sample;    // a demo sample scene (PNG bytes), for the default model
let expectedDefault;  // the default model's result on it in Node
let browser;
let vite;      // the dev server's child process, while it runs

before(async () => {
  checkDist();
  work = mkdtempSync(join(tmpdir(), 'mrw-bundlers-'));
  tarball = await packPackage(work);
  c = e2eCase('e2e_r18');
  const segmenter = await load({ model: c.modelPath, threads: 2 });
  try {
    expected = await segmenter.segment(c.image, { maxInstances: MAX_INSTANCES });
  } finally {
    await segmenter.dispose();
  }
  assert.equal(expected.instances.length, MAX_INSTANCES);
  sample = await readFile(new URL('../web/demo/samples/scene-1.png', import.meta.url));
  const byDefault = await load({ threads: 2 });
  try {
    expectedDefault = await byDefault.segment(await decodeImage(sample), { maxInstances: MAX_INSTANCES });
  } finally {
    await byDefault.dispose();
  }
  assert.equal(expectedDefault.instances.length, MAX_INSTANCES);
  browser = await launchChromium();
});

after(async () => {
  await vite?.close();
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const query = `?model=/full.safetensors&image=/image.png&maxInstances=${MAX_INSTANCES}`;
// no model: the package's default model
const defaultQuery = `?image=/sample.png&maxInstances=${MAX_INSTANCES}`;

test('an app built with webpack 5 (examples/webpack-app) finds its WebAssembly and worker files and runs', { timeout: 180_000 }, async () => {
  const project = await installExample('webpack-app', join(work, 'webpack-app'), tarball);
  const { stdout } = await run(process.execPath, [join(ROOT, 'node_modules', 'webpack-cli', 'bin', 'cli.js'), '--stats', 'errors-warnings'],
    { cwd: project, env: { ...process.env, NO_COLOR: '1' } });
  assert.match(stdout, /compiled successfully/, 'no errors or warnings');
  // the package's files, copied by webpack's asset modules (name-hash.ext), and two bundles:
  // the page's (main.js) and the engine worker's
  const assets = readdirSync(join(project, 'dist'));
  for (const file of ['maskrcnn-wasm-simd.wasm', 'maskrcnn-wasm-simd.js', 'maskrcnn-wasm-threads.wasm',
    'maskrcnn-wasm-threads.js', 'maskrcnn-wasm-threads.worker.js', 'default.safetensors']) {
    const [name, ext] = [file.slice(0, file.lastIndexOf('.')), file.slice(file.lastIndexOf('.'))];
    assert.equal(assets.filter((f) => new RegExp(`^${name}-[0-9a-f]+\\${ext}$`).test(f)).length, 1, `${file} among ${assets}`);
  }
  const bundles = assets.filter((f) => f.endsWith('.js') && !f.startsWith('maskrcnn-wasm-'));
  assert.equal(bundles.length, 2, `bundles: ${bundles}`);
  assert.ok(bundles.includes('main.js'));
  const routes = {
    '/full.safetensors': { body: () => readFile(c.modelPath) },
    '/image.png': { body: png(c.image), type: 'image/png' },
    '/sample.png': { body: sample, type: 'image/png' },
  };
  // isolated: a model by URL; not isolated: the default model, from dist/
  for (const isolated of [true, false]) {
    const server = await startServer({ mounts: { '/': project }, routes, isolated });
    const page = await browser.page();
    try {
      const { backend, isolated: pageIsolated, result } = await runExamplePage(browser, page, server.url(`/${isolated ? query : defaultQuery}`));
      const what = `the webpack app${isolated ? ', isolated' : ', with the default model'}`;
      assert.equal(pageIsolated, isolated);
      assert.deepEqual(backend, isolated
        ? { build: 'simd-threads', simd: true, threads: backend.threads, worker: true }
        : { build: 'simd', simd: true, threads: 1, worker: true });
      if (isolated) assert.ok(backend.threads >= 2, `threads: ${backend.threads}`);
      assertSameResult(result, isolated ? expected : expectedDefault, what);
      // the page ran webpack's bundles and the build's files copied into dist/, nothing else
      const build = isolated ? 'maskrcnn-wasm-threads' : 'maskrcnn-wasm-simd';
      const served = (re) => server.requests.some((p) => re.test(p));
      for (const bundle of bundles) assert.ok(server.requests.includes(`/dist/${bundle}`), `${bundle}: ${server.requests}`);
      assert.ok(served(new RegExp(`^/dist/${build}-[0-9a-f]+\\.wasm$`)), `${build}.wasm: ${server.requests}`);
      assert.ok(served(new RegExp(`^/dist/${build}-[0-9a-f]+\\.js$`)), `${build}.js: ${server.requests}`);
      assert.equal(served(/^\/dist\/maskrcnn-wasm-threads\.worker-[0-9a-f]+\.js$/), isolated, `the pthread worker: ${server.requests}`);
      assert.equal(served(/^\/dist\/default-[0-9a-f]+\.safetensors$/), !isolated, `the default model: ${server.requests}`);
      assert.deepEqual(server.requests.filter((p) => !/^\/(dist\/.+|full\.safetensors|image\.png|sample\.png|favicon\.ico)?$/.test(p)), [], 'nothing else is loaded');
    } finally {
      await page.close();
      await server.close();
    }
  }
});

test('the Vite dev server serves an app (examples/vite-app) that finds its WebAssembly and worker files and runs', { timeout: 180_000 }, async () => {
  const project = await installExample('vite-app', join(work, 'vite-app'), tarball);
  // the image, a file of the app (Vite serves public/ at /); the model: the package's default
  mkdirSync(join(project, 'public'));
  writeFileSync(join(project, 'public', 'sample.png'), sample);
  vite = await startViteDevServer(project);
  const page = await browser.page();
  const responses = [];
  const record = (response) => responses.push({ path: new URL(response.url()).pathname, status: response.status(), headers: response.headers() });
  browser.context.on('response', record);
  try {
    const { backend, isolated, result } = await runExamplePage(browser, page, `${vite.origin}/${defaultQuery}`);
    // vite.config.js's headers make the page cross-origin isolated, so the engine has threads
    assert.equal(isolated, true, 'the page is cross-origin isolated');
    assert.equal(backend.build, 'simd-threads');
    assert.ok(backend.threads >= 2, `threads: ${backend.threads}`);
    assert.equal(backend.worker, true);
    assertSameResult(result, expectedDefault, 'the Vite app under the dev server, with the default model');
    // vite.config.js keeps the package out of pre-bundling (.vite/deps/): its code, its
    // worker and its files are served from node_modules, the pthread worker script as a
    // classic script (else the threads would not have started)
    const paths = responses.map((r) => `${r.status} ${r.path}`);
    const pkg = '/node_modules/maskrcnn-wasm';
    const ok = (path) => responses.find((r) => r.path === path && r.status === 200);
    assert.ok(ok(`${pkg}/web/src/index.js`), `the package's code: ${paths}`);
    assert.ok(ok(`${pkg}/web/src/engine/worker.js`), `the engine's worker: ${paths}`);
    const wasm = ok(`${pkg}/dist/maskrcnn-wasm-threads.wasm`);
    assert.ok(wasm, `the .wasm: ${paths}`);
    assert.equal(wasm.headers['content-type'], 'application/wasm');
    assert.ok(ok(`${pkg}/dist/maskrcnn-wasm-threads.js`), `the Emscripten script: ${paths}`);
    assert.ok(ok(`${pkg}/dist/maskrcnn-wasm-threads.worker.js`), `the pthread worker: ${paths}`);
    assert.ok(ok(`${pkg}/models/default.safetensors`), `the default model: ${paths}`);
    const failed = responses.filter((r) => r.path.includes('/.vite/deps/') || (r.status >= 400 && r.path !== '/favicon.ico'));
    assert.deepEqual(failed.map((r) => `${r.status} ${r.path}`), [], 'nothing pre-bundled, nothing missing');
  } finally {
    browser.context.off('response', record);
    await page.close();
    await vite.close();
  }
});

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `vite` (the dev server) in project, on a free port; resolves once it answers. */
async function startViteDevServer(project) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
    '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--clearScreen', 'false'],
  { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`vite exited (${child.exitCode ?? child.signalCode}):\n${output}`);
    const response = await fetch(`${origin}/`).catch(() => null);
    if (response?.ok) {
      await response.arrayBuffer();
      return { origin, close };
    }
    if (Date.now() > deadline) {
      await close();
      throw new Error(`vite did not answer on ${origin} in 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
