// What the demo's browser tests share: the serve script the user runs (started on a free
// port), the model to test with, Chromium (optionally with a fake camera filming a sample
// picture), and where screenshots go.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { CHROMIUM, launchChromium } from '../support/browser.js';
import { writePanningY4m } from './fake-camera.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'build', 'screenshots', 'demo');
/** What the fake camera films. */
export const CAMERA_SCENE = join(ROOT, 'web', 'demo', 'samples', 'scene-7.png');

// The shipped model once it is there; until then the end-to-end fixture made by
// models/make_fixtures.py (random weights: many instances with spread scores).
const MODEL_CANDIDATES = ['models/default.safetensors', 'build/fixtures/r18_det.safetensors'];

/** { path, url } of the model the tests load (url: as served from the repository root). */
export function testModel() {
  const found = MODEL_CANDIDATES.find((candidate) => existsSync(join(ROOT, candidate)));
  if (!found) {
    throw new Error(`no model to test with: none of ${MODEL_CANDIDATES.join(', ')} exists ` +
      '(make the fixture with: /usr/bin/python3 models/make_fixtures.py build/fixtures --only e2e_r18)');
  }
  return { path: join(ROOT, found), url: `/${found}` };
}

/** Runs `node scripts/serve.js --port 0` (what npm start runs) and resolves to its origin. */
export async function startServeScript() {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'serve.js'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const origin = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve.js printed no address: ${output}`)), 10_000);
    const read = (chunk) => {
      output += chunk;
      const match = /http:\/\/[\w.:[\]]+/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => reject(new Error(`serve.js exited (${code}): ${output}`)));
  });
  return {
    origin,
    output: () => output,
    close: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill();
    }),
  };
}

/**
 * Chromium as the package's tests start it; with { camera: PNG } it also has Chromium's fake
 * camera, filming that picture (panning slowly), and grants it without asking.
 */
export async function launchBrowser({ camera = null } = {}) {
  if (!camera) return launchChromium();
  // The shared launcher takes no extra flags; this one adds the fake camera's.
  const profile = mkdtempSync(join(tmpdir(), 'mrw-chromium-'));
  const video = join(profile, 'camera.y4m');
  writePanningY4m(camera, video);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`],
  });
  const messages = [];
  context.on('page', (page) => {
    page.on('console', (m) => messages.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
  });
  return {
    context,
    messages,
    page: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot of the page under build/screenshots/demo and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return relative(ROOT, path);
}

/** Waits until the demo has shown `count` results (body[data-results]). */
export function waitForResults(page, count, timeout = 150_000) {
  return page.waitForFunction((n) => Number(document.body.dataset.results ?? 0) >= n, count, { timeout });
}

/**
 * The rate at which a page shows results, as the test sees it: reads `count()` (evaluated in
 * the page) now and again once `frames` more results arrived, and divides by the page's own
 * clock between the two readings. Resolves to results per second.
 */
export async function observedRate(page, count, frames, timeout = 60_000) {
  const read = () => page.evaluate(`({ n: ${count}, t: performance.now() })`);
  const first = await read();
  await page.waitForFunction(`${count} >= ${first.n + frames}`, null, { timeout, polling: 10 });
  const last = await read();
  return ((last.n - first.n) * 1000) / (last.t - first.t);
}
