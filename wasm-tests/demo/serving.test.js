// How the demo is served: the serve script's headers and paths, a model file that is not on
// the server, and a page that is not cross-origin isolated (one thread, and the page says why).
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { after, before, describe, it } from 'node:test';

import { startServer } from '../support/server.js';
import { ROOT, launchBrowser, screenshot, startServeScript, testModel } from './support.js';

describe('serving the demo', { timeout: 180_000 }, () => {
  let server;
  let browser;

  before(async () => {
    server = await startServeScript();
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser?.messages.length) console.log(browser.messages.join('\n'));
    await browser?.close();
    await server?.close();
  });

  it('the serve script prints the demo address and isolates every page it serves', async () => {
    assert.match(server.output(), /demo at http:\/\/127\.0\.0\.1:\d+\/web\/demo\//);
    const home = await fetch(`${server.origin}/`, { redirect: 'manual' });
    assert.equal(home.status, 302);
    assert.equal(home.headers.get('location'), '/web/demo/');
    const page = await fetch(`${server.origin}/web/demo/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(page.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(page.headers.get('content-type'), /^text\/html/);
    const wasm = await fetch(`${server.origin}/dist/maskrcnn-wasm-simd.wasm`, { method: 'HEAD' });
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    // Paths sent as they are (fetch would normalize the dots away).
    for (const path of ['/../package.json', '/web/../../package.json', '/%2e%2e/package.json', '/.git/HEAD', '/web/demo/nothing-here.js']) {
      assert.equal(await statusOf(server.origin, path), 404, path);
    }
  });

  it('a model file missing from the server gets a readable message', async (t) => {
    const page = await browser.page();
    await page.goto(`${server.origin}/web/demo/?model=/models/no-such-model.safetensors`);
    const message = page.locator('#message');
    await message.waitFor({ state: 'visible', timeout: 60_000 });
    const said = await message.textContent();
    t.diagnostic(said);
    assert.match(said, /^The model file “no-such-model\.safetensors” is not on this server .* was not found\)\. Open a model file/);
    assert.equal(await page.locator('#instance-list li').count(), 0);
    assert.match(await page.locator('#backend').textContent(), /not running/);
    assert.equal(await page.locator('#model-progress-box').isHidden(), true);
    t.diagnostic(`screenshot: ${await screenshot(page, 'missing-model')}`);
    await page.close();
  });

  it('without cross-origin isolation one thread runs, and the page says why', async () => {
    const plain = await startServer({ mounts: { '/': ROOT } });
    try {
      const page = await browser.page();
      await page.goto(`${plain.url('/web/demo/')}?model=${encodeURIComponent(testModel().url)}`);
      await page.waitForFunction(() => /build/.test(document.getElementById('backend').textContent), null, { timeout: 120_000 });
      assert.equal(await page.evaluate(() => crossOriginIsolated), false);
      const note = await page.locator('#backend').textContent();
      assert.match(note, /1 thread, in a worker \(build “simd”\)\. Threads are off because the page is not cross-origin isolated/);
      await page.close();
    } finally {
      await plain.close();
    }
  });
});

/** The status of a GET of a raw path. */
function statusOf(origin, path) {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(origin);
    get({ hostname, port, path }, (res) => {
      res.resume();
      resolve(res.statusCode);
    }).on('error', reject);
  });
}
