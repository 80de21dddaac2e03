// A model loads from a URL served on 127.0.0.1, with progress events; gzip-compressed files
// load too; a download aborted half-way rejects at once.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';

import { load } from '../web/src/node.js';
import { assertSameResult } from './support/compare.js';
import { DIST, fixturePath, smallModelBytes, syntheticImage } from './support/fixtures.js';
import { startServer } from './support/server.js';

const image = syntheticImage(64, 48);
const FEW = { maxInstances: 2 };
let server;
let small;
let reference;
let gzipped;

before(async () => {
  small = smallModelBytes(64);
  // Random weights barely compress, and compressing 64 MB takes long: stored blocks keep the
  // test quick and are still inflated like any gzip stream.
  gzipped = gzipSync(small, { level: 0 });
  server = await startServer({
    mounts: { '/fixtures/': fixturePath('.') },
    routes: {
      '/small.safetensors': { body: Buffer.from(small) },
      '/small.safetensors.gz': { body: gzipped },
    },
  });
  const local = await load({ model: small, threads: 1 });
  try {
    reference = await local.segment(image, FEW);
  } finally {
    await local.dispose();
  }
});

after(() => server.close());

test('load({ model: url }) reports progress and gives the same results as the bytes', async () => {
  const events = [];
  const segmenter = await load({ model: server.url('/small.safetensors'), threads: 1, onProgress: (e) => events.push(e) });
  try {
    assertSameResult(await segmenter.segment(image, FEW), reference, 'model from a URL');
  } finally {
    await segmenter.dispose();
  }
  const model = events.filter((e) => e.type === 'model');
  assert.ok(model.length >= 3, `only ${model.length} model progress events`);
  for (let i = 1; i < model.length; i++) {
    assert.ok(model[i].loaded >= model[i - 1].loaded, 'loaded never goes back');
    assert.ok(model[i].loaded <= model[i].total, 'loaded never passes total');
  }
  assert.deepEqual(model.at(-1), { type: 'model', loaded: small.length, total: small.length });
  const wasm = events.filter((e) => e.type === 'wasm');
  const wasmSize = statSync(`${DIST}/node/maskrcnn-wasm-node.wasm`).size;
  assert.deepEqual(wasm.at(-1), { type: 'wasm', loaded: wasmSize, total: wasmSize });
  assert.ok(server.requests.includes('/small.safetensors'));
});

test('a gzip-compressed model loads from a URL (and as bytes)', async () => {
  const fromUrl = await load({ model: server.url('/small.safetensors.gz'), threads: 1, worker: true });
  try {
    assertSameResult(await fromUrl.segment(image, FEW), reference, 'gzip model from a URL, worker');
  } finally {
    await fromUrl.dispose();
  }
  const fromBytes = await load({ model: gzipped, threads: 1 });
  try {
    assertSameResult(await fromBytes.segment(image, FEW), reference, 'gzip model bytes');
  } finally {
    await fromBytes.dispose();
  }
});

test('aborting a download half-way rejects at once with an AbortError', async () => {
  const controller = new AbortController();
  const events = [];
  const started = performance.now();
  const loading = load({
    model: server.url('/fixtures/r18_det.safetensors?slow'), threads: 1, signal: controller.signal,
    onProgress: (e) => {
      events.push(e);
      if (e.type === 'model' && e.loaded > 1 << 20) controller.abort();
    },
  });
  await assert.rejects(loading, (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'AbortError');
    assert.match(e.message, /model load aborted/);
    return true;
  });
  const modelEvents = events.filter((e) => e.type === 'model');
  assert.ok(modelEvents.at(-1).loaded < modelEvents.at(-1).total, 'the abort came before the end of the download');
  assert.ok(performance.now() - started < 10_000, 'the load rejected soon after the abort');
});

test('wasmPaths: the engine\'s files from another folder, and a clear error when they are not there', async () => {
  const elsewhere = mkdtempSync(join(tmpdir(), 'mrw-wasm-paths-'));
  try {
    cpSync(DIST, elsewhere, { recursive: true });
    const segmenter = await load({ model: small, threads: 1, wasmPaths: elsewhere });
    try {
      assertSameResult(await segmenter.segment(image, FEW), reference, 'engine files from another folder');
    } finally {
      await segmenter.dispose();
    }
    rmSync(join(elsewhere, 'node', 'maskrcnn-wasm-node.wasm'));
    await assert.rejects(load({ model: small, threads: 1, wasmPaths: elsewhere }),
      /could not read the WebAssembly module: .*maskrcnn-wasm-node\.wasm/);
    await assert.rejects(load({ model: small, threads: 1, wasmPaths: { 'node/maskrcnn-wasm-node.wasm': join(elsewhere, 'none.wasm') } }),
      /could not read the WebAssembly module: .*none\.wasm/);
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
});
