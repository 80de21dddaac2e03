// The demo page in Chromium, image mode: the first result on a sample image, the pixels drawn,
// hover highlighting, the score threshold, the timings; then a model file through the file
// input, and a broken one.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { SAMPLES } from '../../web/demo/samples/samples.js';
import {
  canvasFingerprint, compareCanvasWithPicture, recordResponsivenessAndProgress,
} from './page-checks.js';
import {
  SCREENSHOTS, launchBrowser, screenshot, startServeScript, testModel, waitForResults,
} from './support.js';

// The sample the page opens with: what a first visit shows.
const SAMPLE_URL = `/web/demo/samples/${SAMPLES[0].file}`;

describe('demo page, image mode', { timeout: 300_000 }, () => {
  let server;
  let browser;
  let page;
  const model = testModel();

  before(async () => {
    server = await startServeScript();
    browser = await launchBrowser();
    page = await browser.page();
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.addInitScript(recordResponsivenessAndProgress);
    await page.goto(`${server.origin}/web/demo/?model=${encodeURIComponent(model.url)}`);
    console.log(`screenshots: ${SCREENSHOTS}`);
  });

  after(async () => {
    if (browser?.messages.length) console.log(browser.messages.join('\n'));
    await browser?.close();
    await server?.close();
  });

  const text = (selector) => page.locator(selector).textContent();
  const listed = () => page.locator('#instance-list li').count();

  it('says which backend runs: threads, since the serve script isolates the page', async () => {
    await page.waitForFunction(() => /build/.test(document.getElementById('backend').textContent), null, { timeout: 120_000 });
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    const note = await text('#backend');
    assert.match(note, /simd-threads/);
    assert.match(note, /\d+ threads, in a worker/);
  });

  it('showed download progress while the model loaded', async () => {
    const { progress } = await page.evaluate(() => globalThis.demoRecord);
    const downloading = progress.filter((p) => /Downloading .*: .* of .*MB/.test(p.text));
    assert.ok(downloading.length > 0, `no download progress shown: ${JSON.stringify(progress)}`);
    assert.ok(downloading.some((p) => p.value > 0 && p.value < p.max), JSON.stringify(downloading));
    assert.ok(progress.some((p) => /Preparing/.test(p.text)), JSON.stringify(progress));
  });

  it('draws the first result: masks inside detected boxes, the rest of the picture untouched', async (t) => {
    await waitForResults(page, 1);
    t.diagnostic(`screenshot: ${await screenshot(page, 'image-result')}`);
    assert.equal(await page.locator('#message').isHidden(), true, await text('#message'));
    const check = await page.evaluate(compareCanvasWithPicture, SAMPLE_URL);
    t.diagnostic(JSON.stringify(check));
    assert.equal(`${check.width}x${check.height}`, '512x384');
    assert.ok(check.instances > 0, 'the first visit shows no instance at the default threshold');
    assert.ok(check.bestArea > 0);
    // The best instance's mask pixels are all tinted (its box outline comes on top).
    assert.ok(check.bestChanged >= 0.9 * check.bestArea, `${check.bestChanged} changed for a mask of ${check.bestArea}`);
    // Outside masks, boxes and captions the picture is exactly the original, and that is a
    // real part of it.
    assert.ok(check.outside >= 0.05 * check.width * check.height, `only ${check.outside} pixels outside`);
    assert.equal(check.changedOutside, 0);
    assert.match(await text('#status'), /instances? found in/);
  });

  it('kept the page responsive while the model loaded and ran', async (t) => {
    // Run on the page's thread, the engine would block it for the whole segment call: one
    // task at least as long as the engine's own time. In its worker the page's tasks stay
    // shorter, though on two cores the worker's threads, building the model while it
    // downloads, slow the page's own download tasks (measured 150 to 500 ms): the bound is
    // relative to the engine's time, so that a busy machine slowing everything does not matter.
    const { longestTask } = await page.evaluate(() => globalThis.demoRecord);
    const engine = parseFloat(await text('#timings tr[data-stage="total"] .ms'));
    t.diagnostic(`longest main-thread task ${Math.round(longestTask)} ms; engine ${Math.round(engine)} ms`);
    assert.ok(longestTask < Math.max(500, 0.9 * engine), `the main thread was blocked for ${Math.round(longestTask)} ms`);
  });

  it('shows the timings of every stage', async () => {
    for (const stage of ['preprocess', 'backbone', 'fpn', 'rpn', 'boxHead', 'maskHead', 'paste', 'total', 'roundTrip']) {
      const cell = await text(`#timings tr[data-stage="${stage}"] .ms`);
      assert.match(cell, /^\d+(\.\d)? ms$/, stage);
    }
    const backbone = parseFloat(await text('#timings tr[data-stage="backbone"] .ms'));
    assert.ok(backbone > 0);
  });

  it('highlights an instance when its list entry is pointed at', async (t) => {
    const before = await page.evaluate(canvasFingerprint, 'image-canvas');
    const first = page.locator('#instance-list li').first();
    await first.hover();
    assert.equal(await first.getAttribute('aria-current'), 'true');
    assert.notEqual(await page.evaluate(canvasFingerprint, 'image-canvas'), before);
    t.diagnostic(`screenshot: ${await screenshot(page, 'image-hover')}`);
    await page.mouse.move(0, 0);
    assert.equal(await page.evaluate(canvasFingerprint, 'image-canvas'), before);
    assert.equal(await page.locator('#instance-list li[aria-current]').count(), 0);
  });

  it('re-filters with the score threshold without running the model again', async (t) => {
    const results = await page.evaluate(() => document.body.dataset.results);
    const slider = page.locator('#score-threshold');
    await slider.focus();
    await page.keyboard.press('Home');
    assert.equal(await text('#score-value'), '0.00');
    const all = await listed();
    const scores = (await page.locator('#instance-list li').evaluateAll((items) => items.map((li) => Number(li.dataset.score))));
    assert.equal(scores.length, all);
    const summary = await text('#instance-summary');
    assert.match(summary, new RegExp(`^${all} of ${all} `));
    // A threshold between the scores: exactly those at or above it stay.
    const distinct = [...new Set(scores.map((s) => Math.round(s * 100) / 100))].sort((a, b) => a - b);
    assert.ok(distinct.length >= 2, `scores too close to split: ${scores}`);
    const threshold = distinct[Math.floor(distinct.length / 2)];
    await slider.evaluate((input, value) => {
      input.value = String(value);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }, threshold);
    const expected = scores.filter((s) => s >= threshold).length;
    assert.ok(expected > 0 && expected < all, `${expected} of ${all} at ${threshold}`);
    assert.equal(await listed(), expected);
    assert.equal(await text('#score-value'), threshold.toFixed(2));
    t.diagnostic(`threshold ${threshold}: ${expected} of ${all} instances; screenshot: ${await screenshot(page, 'image-threshold')}`);
    await page.keyboard.press('End');
    assert.equal(await listed(), scores.filter((s) => s >= 1).length);
    assert.equal(await page.evaluate(() => document.body.dataset.results), results, 'the slider ran the model again');
    await slider.evaluate((input) => {
      input.value = '0.5';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
  });

  it('loads a model file given through the file input, and segments again with it', async () => {
    const before = Number(await page.evaluate(() => document.body.dataset.results));
    await page.setInputFiles('#model-file', model.path);
    await page.waitForFunction((name) => document.getElementById('model-info').textContent.includes(`Loaded ${name}`)
      && document.getElementById('model-select').selectedOptions[0].textContent === `Your file: ${name}`,
    basename(model.path), { timeout: 120_000 });
    await waitForResults(page, before + 1);
    assert.equal(await page.locator('#message').isHidden(), true, await text('#message'));
    assert.ok(await listed() > 0);
  });

  it('switches to another shipped model from the picker', async () => {
    const before = Number(await page.evaluate(() => document.body.dataset.results));
    await page.locator('#model-select').selectOption({ label: 'Fruits and nuts: dates, figs, hazelnuts (your photos)' });
    await page.waitForFunction(() => document.getElementById('model-info').textContent.startsWith('Loaded fruits-nuts.safetensors'),
      null, { timeout: 120_000 });
    assert.match(await text('#model-info'), /3 classes \(date, fig, hazelnut\)/);
    await waitForResults(page, before + 1);
  });

  it('says clearly what is wrong with a broken model file, and keeps the model it had', async (t) => {
    const select = page.locator('#model-select');
    const inUse = await select.inputValue();
    const info = await text('#model-info');
    const truncated = readFileSync(model.path).subarray(0, 200_000);
    await page.setInputFiles('#model-file', { name: 'broken.safetensors', mimeType: 'application/octet-stream', buffer: truncated });
    const message = page.locator('#message');
    await message.waitFor({ state: 'visible', timeout: 60_000 });
    const said = await message.textContent();
    t.diagnostic(`message: ${said}`);
    assert.match(said, /Could not load the model “broken\.safetensors”: model file: .*truncated/);
    assert.equal(await select.inputValue(), inUse);
    assert.equal(await select.locator('option', { hasText: 'broken.safetensors' }).count(), 0);
    assert.equal(await text('#model-info'), info);
    assert.match(await text('#status'), /previous model is still in use/);
    t.diagnostic(`screenshot: ${await screenshot(page, 'image-bad-model')}`);
    // A file dropped on the page that is no picture is taken for a model, and refused as one.
    await page.evaluate(() => {
      const files = new DataTransfer();
      files.items.add(new File(['just some notes'], 'notes.txt', { type: 'text/plain' }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }));
    });
    await page.waitForFunction(() => document.getElementById('message').textContent.includes('notes.txt'), null, { timeout: 60_000 });
    assert.match(await message.textContent(), /Could not load the model “notes\.txt”: model file: /);
    assert.equal(await select.inputValue(), inUse);
  });
});
