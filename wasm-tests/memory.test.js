// 200 consecutive segment() calls leave the WebAssembly memory no larger than after the
// first call: nothing leaks per call (the memory of a WebAssembly instance never shrinks, so
// any leak would show as growth).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from '../web/src/node.js';
import { smallModelBytes, syntheticImage } from './support/fixtures.js';

const CALLS = 200;

test(`${CALLS} segment() calls do not grow the WebAssembly memory`, { timeout: 600_000 }, async (t) => {
  const segmenter = await load({ model: smallModelBytes(64), threads: 2 });
  try {
    // Two images of different sizes in turn, one with an instance (its mask as RLE and
    // probabilities too), one without: every allocation path of a call runs again and again.
    // (One instance at most: the mask head's cost grows with each.)
    const images = [syntheticImage(64, 48, 1), syntheticImage(80, 40, 2)];
    const options = [{ maxInstances: 1, rle: true, probabilities: true }, { maxInstances: 0 }];
    const first = await segmenter.segment(images[0], options[0]);
    await segmenter.segment(images[1], options[1]);
    assert.equal(first.instances.length, 1, 'the test image should give an instance');
    const afterFirst = await segmenter.wasmMemoryBytes();
    const started = performance.now();
    for (let i = 2; i < CALLS; i++) await segmenter.segment(images[i % 2], options[i % 2]);
    const afterAll = await segmenter.wasmMemoryBytes();
    t.diagnostic(`WebAssembly memory: ${afterFirst} bytes after the first calls, ${afterAll} after ${CALLS}; ` +
      `${((performance.now() - started) / (CALLS - 2)).toFixed(1)} ms per call`);
    assert.ok(afterAll <= afterFirst, `memory grew from ${afterFirst} to ${afterAll} bytes`);
  } finally {
    await segmenter.dispose();
  }
});
