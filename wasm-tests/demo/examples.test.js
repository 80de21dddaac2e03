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

import { opaquePixels } from './page-checks.js';
import { CAMERA_SCENE, ROOT, launchBrowser, screenshot, startServeScript, testModel } from './support.js';

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

  it('webcam-ar draws masks over the fake camera\'s video', async (t) => {
    const page = await browser.page();
    await page.goto(`${server.origin}/examples/webcam-ar/?model=${encodeURIComponent(model.url)}`);
    const start = page.locator('#start');
    await page.waitForFunction(() => !document.getElementById('start').disabled, null, { timeout: 120_000 });
    await start.click();
    await page.waitForFunction(() => Number(document.body.dataset.frames ?? 0) >= 1, null, { timeout: 150_000 });
    const status = await page.locator('#status').textContent();
    t.diagnostic(status);
    assert.match(status, /^\d+ instances? · frame \d+ · \d[\d.]* fps$/);
    assert.doesNotMatch(status, /^0 /, 'no instance in the camera\'s scene');
    assert.ok(await page.evaluate(opaquePixels, 'overlay') > 0);
    t.diagnostic(`screenshot: ${await screenshot(page, 'example-webcam-ar')}`);
    await page.close();
  });
});
