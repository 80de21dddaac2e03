// WebAssembly results equal native ones: the JS API (Node build, on this thread and in a
// worker thread, 2 and 1 threads) against tools/segment_json, the C API compiled natively,
// on the same model and pixels.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { load } from '../web/src/node.js';
import { assertSameResult } from './support/compare.js';
import { e2eCase, ROOT } from './support/fixtures.js';
import { resultJson } from '../web/src/cli/result-json.js';

const TOOL = process.env.MRW_SEGMENT_JSON ?? join(ROOT, 'build', 'native', 'segment_json');
const MAX_INSTANCES = 20;
// a trained model finds fewer on a plain scene; enough that a difference in any stage shows
const MIN_INSTANCES = 10;
// a float model, and the same with int8 weights whose 1x1 convolutions and fully connected
// layers run in integers
const CASES = ['e2e_r18', 'e2e_int8'];
const cases = {};  // name: { c, native }
let dir;

before(() => {
  assert.ok(existsSync(TOOL), `missing ${TOOL}: build it with bash scripts/build.sh native`);
  dir = mkdtempSync(join(tmpdir(), 'mrw-native-'));
  for (const name of CASES) {
    const c = e2eCase(name);
    const raw = join(dir, `${name}.rgba`);
    writeFileSync(raw, c.image.data);
    const out = execFileSync(TOOL, [c.modelPath, raw, String(c.image.width), String(c.image.height), '2', String(MAX_INSTANCES)]);
    cases[name] = { c, native: JSON.parse(out.toString('utf8')) };
    const found = cases[name].native.instances.length;
    assert.ok(found >= MIN_INSTANCES && found <= MAX_INSTANCES, `the native run of ${name} found ${found} instances`);
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

for (const name of CASES) {
  for (const [threads, worker] of [[2, false], [1, true]]) {
    test(`WebAssembly equals native (${name}): ${threads} thread(s)${worker ? ', worker thread' : ''}`, { timeout: 120_000 }, async () => {
      const { c, native } = cases[name];
      const segmenter = await load({ model: c.modelPath, threads, worker });
      try {
        assert.equal(segmenter.backend.threads, threads);
        const result = await segmenter.segment(c.image, { maxInstances: MAX_INSTANCES, rle: true });
        assertSameResult(resultJson(result), native, `${name}: wasm vs native`);
      } finally {
        await segmenter.dispose();
      }
    });
  }
}
