// Leaks, measured where they would happen: the bytes the engine's allocator holds (inside
// the WebAssembly instance; its memory only grows, in large steps, so its size would hide a
// small leak) and the JavaScript heap (after a full garbage collection), over 200 calls each
// of segment and segmentLatest, and 60 of load + dispose.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';

import { load } from '../web/src/node.js';
import { smallModelBytes, syntheticImage } from './support/fixtures.js';

const CALLS = 200;
// Loads are slower (a module and its threads each): fewer still show a worker, a handle or a
// heap that stays behind, each worth far more than the slack.
const LOADS = 60;
// The JavaScript heap moves by some kilobytes between collections (compiled code, inline
// caches); a leak of one result per call (masks, boxes, strings) would be far above this.
const JS_HEAP_SLACK = 512 * 1024;

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc');

function jsHeapBytes() {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

// Two images of different sizes in turn, one with an instance (its mask as RLE and
// probabilities too), one without: every allocation path of a call runs again and again.
// (One instance at most: the mask head's cost grows with each.)
const images = [syntheticImage(64, 48, 1), syntheticImage(80, 40, 2)];
const options = [{ maxInstances: 1, rle: true, probabilities: true }, { maxInstances: 0 }];

describe(`${CALLS} calls leak nothing`, { timeout: 600_000 }, () => {
  for (const [name, call] of [
    ['segment', (s, i) => s.segment(images[i % 2], options[i % 2])],
    // Each call waits for its frame, so none is dropped: every frame runs.
    ['segmentLatest', (s, i) => s.segmentLatest(images[i % 2], options[i % 2])],
  ]) {
    test(`${name}: the allocator's bytes and the JavaScript heap come back to where they were`, async (t) => {
      const segmenter = await load({ model: smallModelBytes(64), threads: 2 });
      try {
        const first = await call(segmenter, 0);
        await call(segmenter, 1);
        assert.equal(first.instances.length, 1, 'the test image should give an instance');
        const before = await segmenter.memoryUsage();
        const heapBefore = jsHeapBytes();
        for (let i = 2; i < CALLS; i++) assert.ok(await call(segmenter, i), `call ${i} was dropped`);
        const after = await segmenter.memoryUsage();
        const heapAfter = jsHeapBytes();
        t.diagnostic(`allocator: ${before.allocatedBytes} bytes after the first calls, ${after.allocatedBytes} after ${CALLS}; ` +
          `WebAssembly memory ${before.wasmMemoryBytes} -> ${after.wasmMemoryBytes}; JS heap ${heapBefore} -> ${heapAfter}`);
        assert.ok(before.allocatedBytes > 0, 'the allocator holds the model');
        assert.equal(after.allocatedBytes, before.allocatedBytes, 'bytes still allocated in the engine');
        assert.ok(after.wasmMemoryBytes <= before.wasmMemoryBytes, 'the WebAssembly memory grew');
        assert.ok(heapAfter - heapBefore < JS_HEAP_SLACK, `the JavaScript heap grew by ${heapAfter - heapBefore} bytes`);
      } finally {
        await segmenter.dispose();
      }
    });
  }

  test('load and dispose: the JavaScript heap comes back, no worker or handle stays', async (t) => {
    const model = smallModelBytes(64);
    const cycle = async () => {
      const segmenter = await load({ model, threads: 1 });
      await segmenter.segment(images[0], options[0]);
      await segmenter.dispose();
    };
    for (let i = 0; i < 3; i++) await cycle();
    const resources = process.getActiveResourcesInfo().length;
    const heapBefore = jsHeapBytes();
    for (let i = 3; i < LOADS; i++) await cycle();
    const heapAfter = jsHeapBytes();
    t.diagnostic(`JS heap ${heapBefore} -> ${heapAfter} over ${LOADS - 3} loads; active resources ${resources} -> ${process.getActiveResourcesInfo().length}`);
    assert.ok(heapAfter - heapBefore < JS_HEAP_SLACK, `the JavaScript heap grew by ${heapAfter - heapBefore} bytes`);
    assert.ok(process.getActiveResourcesInfo().length <= resources, process.getActiveResourcesInfo().join(', '));
  });
});
