// Calls made at once all resolve, each with the result its own input gives alone;
// segmentLatest keeps one frame in flight and drops the waiting ones a newer frame replaces;
// dispose() settles what is still waiting. On this thread and in a worker thread.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { load } from '../web/src/node.js';
import { assertSameResult } from './support/compare.js';
import { smallModelBytes, syntheticImage } from './support/fixtures.js';

const images = [syntheticImage(64, 48, 1), syntheticImage(48, 64, 2), syntheticImage(56, 56, 3)];
const calls = [
  [0, { maxInstances: 1 }], [1, { maxInstances: 2 }], [2, { maxInstances: 1, scoreThreshold: 0.5 }],
  [1, { maxInstances: 1, maskThreshold: 0.8 }], [0, { maxInstances: 0 }], [2, { maxInstances: 1 }],
];
let model;
const alone = [];

before(async () => {
  model = smallModelBytes(64);
  const segmenter = await load({ model, threads: 1 });
  try {
    for (const [image, options] of calls) alone.push(await segmenter.segment(images[image], options));
  } finally {
    await segmenter.dispose();
  }
  assert.ok(alone.some((r) => r.instances.length > 0), 'the test images should give instances');
});

for (const worker of [false, true]) {
  describe(worker ? 'engine in a worker thread' : 'engine on this thread', () => {
    let segmenter;
    before(async () => { segmenter = await load({ model, threads: 2, worker }); });
    after(async () => { await segmenter.dispose(); });

    test('concurrent segment() calls each resolve to their own result', async () => {
      const results = await Promise.all(calls.map(([image, options]) => segmenter.segment(images[image], options)));
      results.forEach((r, i) => assertSameResult(r, alone[i], `call ${i}`));
    });

    test('segmentLatest: one in flight, newer frames replace the waiting one (null)', async () => {
      const frames = [0, 1, 2, 3].map((i) => segmenter.segmentLatest(images[calls[i][0]], calls[i][1]));
      const results = await Promise.all(frames);
      assertSameResult(results[0], alone[0], 'frame 0 (in flight)');
      assert.equal(results[1], null, 'frame 1 was replaced by frame 2');
      assert.equal(results[2], null, 'frame 2 was replaced by frame 3');
      assertSameResult(results[3], alone[3], 'frame 3 (the latest)');
      assertSameResult(await segmenter.segmentLatest(images[calls[5][0]], calls[5][1]), alone[5], 'a later frame');
    });

    test('segment and segmentLatest interleaved keep call order', async () => {
      const order = [];
      const a = segmenter.segment(images[0], calls[0][1]).then((r) => { order.push('a'); return r; });
      const b = segmenter.segmentLatest(images[1], calls[1][1]).then((r) => { order.push('b'); return r; });
      const c = segmenter.segment(images[2], calls[2][1]).then((r) => { order.push('c'); return r; });
      const [ra, rb, rc] = await Promise.all([a, b, c]);
      assert.deepEqual(order, ['a', 'b', 'c']);
      assertSameResult(ra, alone[0], 'a');
      assertSameResult(rb, alone[1], 'b');
      assertSameResult(rc, alone[2], 'c');
    });
  });
}

test('dispose() with calls waiting: they reject, a waiting latest frame resolves to null', async () => {
  const segmenter = await load({ model, threads: 1, worker: true });
  const running = segmenter.segment(images[0], calls[0][1]);
  const waiting = segmenter.segment(images[1], calls[1][1]);
  const latestRunning = segmenter.segmentLatest(images[2], calls[2][1]);
  const latestWaiting = segmenter.segmentLatest(images[0], calls[0][1]);
  const settled = Promise.allSettled([running, waiting, latestRunning, latestWaiting]);
  await segmenter.dispose();
  const [r0, r1, r2, r3] = await settled;
  assert.equal(r0.status, 'rejected');
  assert.match(r0.reason.message, /disposed/);
  assert.equal(r1.status, 'rejected');
  assert.match(r1.reason.message, /disposed/);
  assert.equal(r2.status, 'rejected');
  assert.match(r2.reason.message, /disposed/);
  assert.deepEqual(r3, { status: 'fulfilled', value: null });
});
