// The demo page in Chromium, webcam mode, with Chromium's fake camera filming a sample scene:
// frames segmented with segmentLatest, masks composited over the live video, fps shown.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { opaquePixels } from './page-checks.js';
import { CAMERA_SCENE, launchBrowser, screenshot, startServeScript, testModel } from './support.js';

describe('demo page, webcam mode', { timeout: 240_000 }, () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServeScript();
    browser = await launchBrowser({ camera: CAMERA_SCENE });
    page = await browser.page();
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(`${server.origin}/web/demo/?mode=webcam&model=${encodeURIComponent(testModel().url)}`);
  });

  after(async () => {
    if (browser?.messages.length) console.log(browser.messages.join('\n'));
    await browser?.close();
    await server?.close();
  });

  it('starts the camera in webcam mode', async () => {
    assert.equal(await page.locator('input[name="mode"][value="webcam"]').isChecked(), true);
    await page.waitForFunction(() => document.getElementById('webcam-video').videoWidth > 0, null, { timeout: 30_000 });
    assert.equal(await page.locator('#image-view').isHidden(), true);
    // Every instance the model offers (it keeps its own 0.05 floor), so that masks show.
    await page.locator('#score-threshold').focus();
    await page.keyboard.press('Home');
  });

  it('segments frames one after another and shows the frame rate', async (t) => {
    await page.waitForFunction(() => Number(document.getElementById('webcam-stats').dataset.segmented ?? 0) >= 2,
      null, { timeout: 180_000 });
    const stats = await page.locator('#webcam-stats').textContent();
    t.diagnostic(stats);
    const [, fps] = /^(\d+(?:\.\d+)?) fps.* · (\d+) frames segmented/.exec(stats) ?? [];
    assert.ok(Number(fps) > 0, stats);
    // The video kept playing while the engine worked: frames were skipped, not queued.
    assert.match(stats, /[1-9]\d* skipped/);
    t.diagnostic(`screenshot: ${await screenshot(page, 'webcam')}`);
  });

  it('composites the masks of the latest frame over the video', async () => {
    const listed = await page.locator('#instance-list li').count();
    assert.ok(listed > 0 && listed <= 10, `${listed} instances listed`);
    const size = await page.evaluate(() => {
      const video = document.getElementById('webcam-video');
      const canvas = document.getElementById('webcam-canvas');
      return { video: [video.videoWidth, video.videoHeight], canvas: [canvas.width, canvas.height] };
    });
    assert.deepEqual(size.canvas, size.video);
    assert.ok(await page.evaluate(opaquePixels, 'webcam-canvas') > 0, 'nothing drawn over the video');
    const total = await page.locator('#timings tr[data-stage="total"] .ms').textContent();
    assert.match(total, /^\d+(\.\d)? ms$/);
  });

  it('stops the camera when going back to image mode', async () => {
    await page.locator('input[name="mode"][value="image"]').check();
    assert.equal(await page.evaluate(() => document.getElementById('webcam-video').srcObject), null);
    assert.equal(await page.locator('#webcam-view').isHidden(), true);
    assert.equal(await page.locator('#image-view').isVisible(), true);
  });
});
