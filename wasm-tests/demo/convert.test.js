// The demo page in Chromium converting PyTorch checkpoints: a .pth given through the file
// input, or dropped on the page, converts in a worker with progress, loads and segments, and
// the file offered for saving is models/convert.py's byte for byte; a hostile checkpoint
// dropped on the page is refused with the reason, and the model in use stays.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { fixturePath } from '../support/fixtures.js';
import { recordResponsivenessAndProgress } from './page-checks.js';
import { launchBrowser, screenshot, startServeScript, waitForResults } from './support.js';

const convertFixture = (name) => fixturePath(join('convert', name));
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** SHA-256 of the file behind the page's "Save the converted model" link. */
function savedDigest(page) {
  return page.evaluate(async () => {
    const bytes = await (await fetch(document.getElementById('model-save').href)).arrayBuffer();
    return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
  });
}

/** Drops the file at `path` on the page under `name`, as a file dragged from the desktop. The
 * browser reads the file from disk through a file input the test adds (and removes), so the
 * File is disk-backed as a dragged one is; nothing large crosses the protocol. (Serving the
 * bytes from a `page.route` and fetching them in the page hung now and then.) */
async function dropFile(page, path, name) {
  const input = await page.evaluateHandle(() => {
    const element = document.createElement('input');
    element.type = 'file';
    element.hidden = true;
    document.body.append(element);
    return element;
  });
  try {
    await input.setInputFiles(path);
    await input.evaluate((element, name) => {
      const files = new DataTransfer();
      files.items.add(new File([element.files[0]], name, { type: 'application/octet-stream' }));
      element.remove();
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }));
    }, name);
  } finally {
    await input.dispose();
  }
}

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
    assert.equal(await savedDigest(page), sha256(readFileSync(convertFixture('mnv3.safetensors'))), 'the saved file is not convert.py\'s');
    t.diagnostic(`screenshot: ${await screenshot(page, 'converted-checkpoint')}`);
  });

  it('refuses a checkpoint that calls os.system, dropped on the page, and keeps the model', async () => {
    const select = page.locator('#model-select');
    const inUse = await select.inputValue();
    await dropFile(page, convertFixture('hostile_system.pth'), 'evil.pth');
    const message = page.locator('#message');
    await page.waitForFunction(() => document.getElementById('message').textContent.includes('evil.pth'), null, { timeout: 60_000 });
    assert.match(await message.textContent(), /^Could not convert the checkpoint “evil\.pth”: refusing pickle global posix\.system/);
    assert.equal(await select.inputValue(), inUse);
    assert.match(await page.locator('#model-info').textContent(), /Loaded mnv3\.pth/);
  });

  it('converts a legacy-format .pth dropped on the page, segments with it and offers the file', async () => {
    const before = Number(await page.evaluate(() => document.body.dataset.results));
    // the sequential-pickle format of torchvision's published checkpoints, legacy tensor names
    await dropFile(page, convertFixture('r18_legacy.pth'), 'published.pth');
    await page.waitForFunction(() => document.getElementById('model-info').textContent.includes('Loaded published.pth'), null, { timeout: 120_000 });
    await waitForResults(page, before + 1);
    assert.equal(await page.locator('#message').isHidden(), true, await page.locator('#message').textContent());
    const { progress } = await page.evaluate(() => globalThis.demoRecord);
    assert.ok(progress.some((p) => /Converting published\.pth: (reading|writing) tensor \d+ of \d+/.test(p.text)),
      `no conversion progress shown: ${JSON.stringify(progress.slice(-5))}`);
    assert.equal(await page.locator('#model-save').getAttribute('download'), 'published.safetensors');
    assert.equal(await savedDigest(page), sha256(readFileSync(convertFixture('r18_legacy.safetensors'))), 'the saved file is not convert.py\'s');
  });
});
