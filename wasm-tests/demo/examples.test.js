// The examples run as their READMEs say: the Node script writes an overlay PNG, the plain HTML
// page draws the instances, the webcam AR page segments frames of Chromium's fake camera
// (filming a sample scene).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { PNG } from 'pngjs';

import { alphaLevels, opaquePixels } from './page-checks.js';
import { CAMERA_SCENE, ROOT, launchBrowser, observedRate, screenshot, startServeScript, testModel } from './support.js';

const SAMPLE = join(ROOT, 'web', 'demo', 'samples', 'scene-7.png');

describe('examples', { timeout: 240_000 }, () => {
  let server;
  let browser;
  const model = testModel();

  before(async () => {
    server = await startServeScript();
    browser = await launchBrowser({ camera: CAMERA_SCENE });
  });

  after(async () => {
    if (browser?.messages.length) console.log(browser.messages.join('\n'));
    await browser?.close();
    await server?.close();
  });

  it('node-segment writes an overlay PNG of the input with the instances drawn', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'mrw-example-'));
    try {
      const out = join(dir, 'overlay.png');
      const { stdout } = await promisify(execFile)(process.execPath,
        ['examples/node-segment/segment.js', SAMPLE, out, '--model', model.path], { cwd: ROOT });
      t.diagnostic(stdout.trim().split('\n').at(-1));
      const [, count] = /^(\d+) instances? in \d+ ms; wrote /m.exec(stdout) ?? [];
      assert.ok(Number(count) > 0, stdout);
      const input = PNG.sync.read(readFileSync(SAMPLE));
      const overlay = PNG.sync.read(readFileSync(out));
      assert.deepEqual([overlay.width, overlay.height], [input.width, input.height]);
      let changed = 0;
      for (let i = 0; i < input.data.length; i += 4) {
        if (input.data[i] !== overlay.data[i] || input.data[i + 1] !== overlay.data[i + 1]) changed += 1;
      }
      assert.ok(changed > 100, `${changed} pixels changed`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('plain-html segments the sample image and draws the result', async (t) => {
    const page = await browser.page();
    await page.goto(`${server.origin}/examples/plain-html/?model=${encodeURIComponent(model.url)}`);
    await page.waitForFunction(() => document.body.dataset.done, null, { timeout: 150_000 });
    const status = await page.locator('#status').textContent();
    t.diagnostic(status.slice(0, 120));
    assert.equal(await page.evaluate(() => document.body.dataset.done), 'true', status);
    assert.match(status, /^[1-9]\d* instances? \(simd-threads, \d+ ms\)/);
    const size = await page.evaluate(() => [document.getElementById('canvas').width, document.getElementById('canvas').height]);
    assert.deepEqual(size, [512, 384]);
    t.diagnostic(`screenshot: ${await screenshot(page, 'example-plain-html')}`);
    await page.close();
  });

  it('webcam-ar runs the live model and draws soft masks over the fake camera\'s video', async (t) => {
    const page = await browser.page();
    const requested = [];
    page.on('request', (request) => requested.push(new URL(request.url()).pathname));
    await page.goto(`${server.origin}/examples/webcam-ar/`);
    const start = page.locator('#start');
    await page.waitForFunction(() => !document.getElementById('start').disabled, null, { timeout: 120_000 });
    assert.ok(requested.includes('/models/live-int8.safetensors'), requested.join(' '));
    await start.click();
    const frames = 'Number(document.body.dataset.frames ?? 0)';
    await page.waitForFunction(`${frames} >= 3`, null, { timeout: 150_000 });
    const observed = await observedRate(page, frames, 10);
    const status = await page.locator('#status').textContent();
    t.diagnostic(`${status}; observed ${observed.toFixed(1)} results per second`);
    const [, fps] = /^\d+ instances? · frame \d+ · (\d[\d.]*) fps$/.exec(status) ?? [];
    assert.ok(fps, status);
    assert.doesNotMatch(status, /^0 /, 'no instance in the camera\'s scene');
    // The rate shown is the mean since the camera started (the first frame's warm-up in it).
    assert.ok(Number(fps) >= 6 && Number(fps) < 1.6 * observed, `${fps} fps shown, ${observed} observed`);
    assert.ok(await page.evaluate(opaquePixels, 'overlay') > 0);
    // Masks only, drawn from their probabilities: many alpha levels, not one per colour.
    const { opaque, levels } = await page.evaluate(alphaLevels, { id: 'overlay' });
    assert.ok(levels >= 16, `${levels} alpha levels in ${opaque} pixels`);
    t.diagnostic(`screenshot: ${await screenshot(page, 'example-webcam-ar')}`);
    await page.close();
  });
});
