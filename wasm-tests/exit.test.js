// A Node process that forgets dispose() still ends when its work is done: idle pthread
// workers and an idle engine worker thread do not keep it alive.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';

import { ROOT, smallModelBytes } from './support/fixtures.js';

const run = promisify(execFile);
let dir;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mrw-exit-'));
  writeFileSync(join(dir, 'model.safetensors'), smallModelBytes(64));
  writeFileSync(join(dir, 'forget.mjs'), `
import { load } from ${JSON.stringify(join(ROOT, 'web', 'src', 'node.js'))};
const segmenter = await load({ model: process.argv[2], threads: 2, worker: process.argv[3] === 'worker' });
const data = new Uint8Array(48 * 32 * 4).fill(128);
const result = await segmenter.segment({ data, width: 48, height: 32 }, { maxInstances: 1 });
console.log('segmented', result.width, result.height);
`);
});

after(() => rmSync(dir, { recursive: true, force: true }));

for (const mode of ['thread', 'worker']) {
  test(`without dispose(), the process ends (engine ${mode === 'worker' ? 'in a worker thread' : 'on the main thread'})`, { timeout: 180_000 }, async () => {
    const { stdout } = await run(process.execPath, [join(dir, 'forget.mjs'), join(dir, 'model.safetensors'), mode], { timeout: 120_000 });
    assert.equal(stdout.trim(), 'segmented 48 32');
  });
}
