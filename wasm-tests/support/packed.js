// The package as a user gets it: `npm pack` of this repository, an example app copied into a
// temporary project with the tarball installed, and what an example page shows once it ran.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import pngjs from 'pngjs';

import { ROOT } from './fixtures.js';

export const run = promisify(execFile);
export const npm = (args, cwd) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, maxBuffer: 16 << 20 });

/** `npm pack` into dir (no prepack build: dist/ is built already); the tarball's path. */
export async function packPackage(dir) {
  const { stdout } = await npm(['pack', '--ignore-scripts', '--pack-destination', dir], ROOT);
  return join(dir, stdout.trim().split('\n').at(-1));
}

/**
 * examples/<example> copied to dir, with a package.json of its own that depends on nothing
 * but the tarball (the bundlers come from this repository's node_modules); dir.
 */
export async function installExample(example, dir, tarball) {
  cpSync(join(ROOT, 'examples', example), dir, { recursive: true, filter: (p) => !/node_modules|[\\/]dist$/.test(p) });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  await npm(['install', '--prefer-offline', tarball], dir);
  return dir;
}

export function png(image) {
  const out = new pngjs.PNG({ width: image.width, height: image.height });
  out.data = Buffer.from(image.data);
  return pngjs.PNG.sync.write(out);
}

/**
 * An example app's page (vite-app, webpack-app) at url, which runs itself from its query
 * (?model=URL&image=URL&maxInstances=N): waits until it is done, checks that it did not fail,
 * and returns { backend, isolated, result } (masks as arrays).
 */
export async function runExamplePage(browser, page, url) {
  await page.goto(url);
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: 120_000 });
  const status = await page.textContent('#status');
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'done', `${status}\n${browser.messages.join('\n')}`);
  return page.evaluate(() => {
    const { backend, result } = window.maskrcnnExample;
    const instances = result.instances.map((i) => ({ ...i, mask: { ...i.mask, data: Array.from(i.mask.data) } }));
    return { backend, isolated: crossOriginIsolated, result: { ...result, instances } };
  });
}
