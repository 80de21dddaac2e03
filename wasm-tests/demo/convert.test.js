// The demo page in Chromium converting PyTorch checkpoints: a .pth given through the file
// input converts in a worker with progress, loads and segments, and the file offered for
// saving is models/convert.py's byte for byte; a hostile checkpoint dropped on the page is
// refused with the reason, and the model in use stays.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { fixturePath } from '../support/fixtures.js';
import { recordResponsivenessAndProgress } from './page-checks.js';
import { launchBrowser, screenshot, startServeScript, waitForResults } from './support.js';

const convertFixture = (name) => fixturePath(join('convert', name));

describe('demo page, converting a checkpoint', { timeout: 300_000 }, () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServeScript();
    browser = await launchBrowser();
    page = await browser.page();
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.addInitScript(recordResponsivenessAndProgress);
    await page.goto(`${server.origin}/web/demo/`);
  });

  after(async () => {
    if (browser?.messages.length) console.log(browser.messages.join('\n'));
    await browser?.close();
    await server?.close();
  });

  it('converts a .pth from the file input with progress, segments with it and offers the file', async (t) => {
    await waitForResults(page, 1);
    const before = Number(await page.evaluate(() => document.body.dataset.results));
    await page.setInputFiles('#model-file', convertFixture('mnv3.pth'));
    await page.waitForFunction(() => document.getElementById('model-info').textContent.includes('Loaded mnv3.pth'), null, { timeout: 120_000 });
    await waitForResults(page, before + 1);
    assert.equal(await page.locator('#message').isHidden(), true, await page.locator('#message').textContent());
    assert.match(await page.locator('#model-info').textContent(), /3 classes \(class_1, class_2, class_3\)/);
    const { progress } = await page.evaluate(() => globalThis.demoRecord);
    const converting = progress.filter((p) => /Converting mnv3\.pth: (reading|writing) tensor \d+ of \d+/.test(p.text));
    assert.ok(converting.length > 0, `no conversion progress shown: ${JSON.stringify(progress.slice(-5))}`);

    const link = page.locator('#model-save');
    assert.equal(await link.isVisible(), true);
    assert.equal(await link.getAttribute('download'), 'mnv3.safetensors');
    assert.match(await link.textContent(), /Save the converted model \(mnv3\.safetensors, 11\.7 MB\)/);
    const digest = await page.evaluate(async () => {
      const bytes = await (await fetch(document.getElementById('model-save').href)).arrayBuffer();
      return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
    });
    const expected = createHash('sha256').update(readFileSync(convertFixture('mnv3.safetensors'))).digest('hex');
    assert.equal(digest, expected, 'the saved file is not convert.py\'s');
    t.diagnostic(`screenshot: ${await screenshot(page, 'converted-checkpoint')}`);
  });

  it('refuses a checkpoint that calls os.system, dropped on the page, and keeps the model', async () => {
    const select = page.locator('#model-select');
    const inUse = await select.inputValue();
    const bytes = [...readFileSync(convertFixture('hostile_system.pth'))];
    await page.evaluate((data) => {
      const files = new DataTransfer();
      files.items.add(new File([new Uint8Array(data)], 'evil.pth', { type: 'application/octet-stream' }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }));
    }, bytes);
    const message = page.locator('#message');
    await page.waitForFunction(() => document.getElementById('message').textContent.includes('evil.pth'), null, { timeout: 60_000 });
    assert.match(await message.textContent(), /^Could not convert the checkpoint “evil\.pth”: refusing pickle global posix\.system/);
    assert.equal(await select.inputValue(), inUse);
    assert.match(await page.locator('#model-info').textContent(), /Loaded mnv3\.pth/);
  });
});
