// Every misuse rejects with an Error whose message names the problem, and the module keeps
// working after it.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';

import { load } from '../web/src/node.js';
import { assertSameResult } from './support/compare.js';
import { smallModelBytes, syntheticImage } from './support/fixtures.js';
import { startServer } from './support/server.js';

let model;
let segmenter;
let reference;
const image = syntheticImage(64, 48);
const FEW = { maxInstances: 3 }; // a quick segment() call

before(async () => {
  model = smallModelBytes();
  segmenter = await load({ model, threads: 1 });
  reference = await segmenter.segment(image, FEW);
});

after(async () => {
  await segmenter.dispose();
});

async function rejects(promise, pattern) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof Error, `not an Error: ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('segment() misuse', () => {
  test('a pixel buffer of the wrong length', async () => {
    await rejects(segmenter.segment({ data: new Uint8Array(10), width: 2, height: 2 }), /10 bytes.*2x2.*needs 16/);
    await rejects(segmenter.segment({ data: new Uint8Array(64 * 48 * 3), width: 64, height: 48 }), /9216 bytes.*needs 12288/);
  });

  test('zero, negative, fractional and huge sizes', async () => {
    for (const [width, height] of [[0, 4], [4, 0], [-1, 4], [2.5, 4], [20000, 10], [10, 16385]]) {
      const data = new Uint8Array(Math.max(0, Math.ceil(width * height * 4)) || 4);
      await rejects(segmenter.segment({ data, width, height }), new RegExp(`image size ${width}x${height} is not allowed`));
    }
  });

  test('unsupported sources', async () => {
    for (const source of [null, undefined, 'image.png', 42, {}, [1, 2, 3], new Uint8Array(16)]) {
      await rejects(segmenter.segment(source), /unsupported image source/);
    }
    await rejects(segmenter.segment({ data: [0, 0, 0, 0], width: 1, height: 1 }), /Uint8Array or Uint8ClampedArray/);
  });

  test('options out of range', async () => {
    await rejects(segmenter.segment(image, { scoreThreshold: 1.5 }), /scoreThreshold must be a number from 0 to 1/);
    await rejects(segmenter.segment(image, { maskThreshold: 1 }), /maskThreshold/);
    await rejects(segmenter.segment(image, { maxInstances: -1 }), /maxInstances must be a whole number/);
    await rejects(segmenter.segment(image, 'fast'), /options must be an object/);
  });

  test('an aborted signal', async () => {
    await rejects(segmenter.segment(image, { signal: AbortSignal.abort() }), /aborted/);
  });

  test('toImageData with a bad color', async () => {
    const result = await segmenter.segment(image, { scoreThreshold: 0, maxInstances: 1 });
    assert.equal(result.instances.length, 1);
    assert.throws(() => result.instances[0].mask.toImageData({ color: [255, 0, 0] }), /color must be \[r, g, b, a\]/);
  });

  test('the segmenter still gives the same result after all of these', async () => {
    assertSameResult(await segmenter.segment(image, FEW), reference, 'after errors');
  });
});

describe('load() misuse', () => {
  test('missing or wrong options', async () => {
    // (load() and load({}) load the package's default model: default-model.test.js)
    await rejects(load(null), /expected an options object/);
    await rejects(load('model.safetensors'), /expected an options object/);
    await rejects(load({ model: 42 }), /model must be a URL .* or the file's bytes .*, or left out for the package's default model/);
    await rejects(load({ model: '' }), /model is an empty string/);
    await rejects(load({ model: new Uint8Array(0) }), /model bytes are empty/);
    await rejects(load({ model, threads: 0 }), /threads must be 'auto' or a whole number from 1 to 64/);
    await rejects(load({ model, threads: 1.5 }), /threads must be/);
    await rejects(load({ model, worker: 'yes' }), /worker must be true or false/);
    await rejects(load({ model, onProgress: 'log' }), /onProgress must be a function/);
    await rejects(load({ model, signal: {} }), /signal must be an AbortSignal/);
  });

  test('a corrupt model file', async () => {
    await rejects(load({ model: new Uint8Array(1000).fill(7), threads: 1 }), /model file: header length \d+ exceeds/);
    const json = new TextEncoder().encode('{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}');
    const bytes = new Uint8Array(8 + json.length);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    await rejects(load({ model: bytes, threads: 1 }), /model file: .*JSON/i);
  });

  test('a truncated model file', async () => {
    await rejects(load({ model: model.subarray(0, 100), threads: 1 }), /model file: truncated/);
    await rejects(load({ model: model.subarray(0, model.length >> 1), threads: 1 }), /past the end .*truncated file/);
  });

  test('corrupt and truncated gzip', async () => {
    await rejects(load({ model: new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]), threads: 1 }), /model file: the gzip data is corrupt or truncated/);
    const gz = gzipSync(model.subarray(0, 4096));
    await rejects(load({ model: gz.subarray(0, gz.length - 100), threads: 1 }), /gzip data is corrupt or truncated/);
  });

  test('a missing model file or URL', async () => {
    await rejects(load({ model: '/nonexistent/model.safetensors', threads: 1 }), /could not read \/nonexistent\/model\.safetensors/);
    const server = await startServer();
    try {
      await rejects(load({ model: server.url('/missing.safetensors'), threads: 1 }), /HTTP 404 .* for http:\/\/127\.0\.0\.1:\d+\/missing\.safetensors/);
    } finally {
      await server.close();
    }
  });

  test('a load aborted before it starts', async () => {
    await assert.rejects(load({ model, threads: 1, signal: AbortSignal.abort() }), (e) => {
      assert.ok(e instanceof Error);
      assert.equal(e.name, 'AbortError');
      assert.match(e.message, /model load aborted/);
      return true;
    });
  });

  test('the module still loads and segments after all of these', async () => {
    const again = await load({ model, threads: 1 });
    try {
      assertSameResult(await again.segment(image, FEW), reference, 'a new segmenter after failed loads');
    } finally {
      await again.dispose();
    }
  });
});

describe('calls after dispose()', () => {
  test('every call names the disposal, dispose() again does nothing', async () => {
    const disposable = await load({ model, threads: 1, worker: true });
    await disposable.dispose();
    await rejects(disposable.segment(image), /disposed/);
    await rejects(disposable.segmentLatest(image), /disposed/);
    await rejects(disposable.wasmMemoryBytes(), /disposed/);
    await disposable.dispose();
    assertSameResult(await segmenter.segment(image, FEW), reference, 'another segmenter after a dispose');
  });
});
