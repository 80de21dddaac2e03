// A model file read from disk or downloaded reaches the engine in parts (Engine.beginModel/
// writeModel/finishModel), each tensor placed in a block of its own as it arrives and freed
// once its part of the network is built: never whole in JavaScript memory, nor beside the
// built weights. Parts of any size load the model loadModel loads; a damaged file gives the
// message of one written in a single part (the C suite holds that to the whole-file reader's,
// IoModelFileStream); and a process that loads a large model by its path peaks far below one
// that reads the file first.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';

import { load } from '../web/src/node.js';
import { loadNodeEngine } from '../web/src/engine/load-node.js';
import { assetPaths } from '../web/src/platform/node.js';
import { fixturePath, ROOT, smallModelBytes, syntheticImage } from './support/fixtures.js';

const run = promisify(execFile);
const model = new Uint8Array(smallModelBytes(96));  // a plain copy: its slices copy too
// The header's end: 8 bytes of length, then that many bytes of JSON.
const headerEnd = 8 + Number(new DataView(model.buffer, model.byteOffset).getBigUint64(0, true));
const image = syntheticImage(96, 72, 3);

/** The file cut into parts at the given offsets. */
function cut(bytes, offsets) {
  const parts = [];
  let from = 0;
  for (const to of [...offsets, bytes.length]) {
    parts.push(bytes.slice(from, to));
    from = to;
  }
  return parts;
}

function loadInParts(engine, parts) {
  engine.beginModel();
  for (const p of parts) engine.writeModel(p);
  return engine.finishModel();
}

const loadError = (f) => {
  try {
    f();
  } catch (e) {
    return e.message;
  }
  return null;
};

let engine;
let expected;
before(async () => {
  engine = await loadNodeEngine({ paths: assetPaths(), threads: 1 });
  const labels = engine.loadModel(model);
  expected = { labels, result: engine.segment(image.data, image.width, image.height, {}) };
  assert.ok(expected.result.instances.length > 0, 'the image must give instances to compare');
});
after(() => engine?.dispose());

describe('parts of any size load the model loadModel loads', () => {
  const splits = {
    'one part': [],
    'the length prefix byte by byte, then the rest': [1, 2, 3, 4, 5, 6, 7, 8],
    'cut just before and just after the header\'s end': [headerEnd - 1, headerEnd + 1],
    'cut exactly at the header\'s end': [headerEnd],
    'parts of 4099 bytes': Array.from({ length: Math.floor((model.length - 1) / 4099) }, (_, i) => (i + 1) * 4099),
  };
  for (const [name, offsets] of Object.entries(splits)) {
    test(name, () => {
      assert.deepEqual(loadInParts(engine, cut(model, offsets)), expected.labels);
      const result = engine.segment(image.data, image.width, image.height, {});
      assert.deepEqual(result.instances, expected.result.instances);
    });
  }
});

describe('a damaged file gives the whole-file reader\'s message', () => {
  const cases = {
    'cut inside the length prefix': [model.slice(0, 5), /truncated/],
    'cut inside the header': [model.slice(0, headerEnd - 10), /truncated: header length/],
    'cut inside the data': [model.slice(0, model.length - 1000), /past the end of the data buffer .*truncated file/],
    'a header that is not JSON': [(() => { const b = model.slice(); b[8] = 0x5b; b[9] = 0x7b; return b; })(), /header/],
  };
  for (const [name, [bytes, pattern]] of Object.entries(cases)) {
    test(name, () => {
      const whole = loadError(() => engine.loadModel(bytes));
      assert.match(whole ?? 'loaded', pattern);
      assert.equal(loadError(() => loadInParts(engine, cut(bytes, [3, 9, 200]))), whole);
      // the model loaded before stays
      assert.deepEqual(engine.segment(image.data, image.width, image.height, {}).instances,
                       expected.result.instances);
    });
  }

  test('bytes past the length the header describes', () => {
    const longer = new Uint8Array(model.length + 3);
    longer.set(model);
    const message = loadError(() => loadInParts(engine, cut(longer, [headerEnd + 5, model.length + 1])));
    const data = model.length - headerEnd;  // the data buffer the header describes
    assert.equal(message, `model file: gap in the data buffer: bytes [${data}, ${data + 3}) at its end belong to no tensor`);
    assert.equal(loadError(() => engine.loadModel(longer)), message);
  });
});

/** The segmenter a load gives has the labels and instances of the model loaded from bytes. */
async function segmentsAsFromBytes(loading) {
  const segmenter = await loading;
  try {
    assert.deepEqual(segmenter.labels, expected.labels);
    const result = await segmenter.segment(image);
    assert.deepEqual(result.instances.map((i) => [i.label, i.score, i.box]),
                     expected.result.instances.map((i) => [i.label, i.score, i.box]));
  } finally {
    await segmenter.dispose();
  }
}

describe('load() with a path', { timeout: 300_000 }, () => {
  let dir;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'mrw-stream-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const worker of [false, true]) {
    test(`reads the file in parts and segments as from bytes (worker: ${worker})`, async () => {
      const path = join(dir, 'small.safetensors');
      writeFileSync(path, model);
      const progress = [];
      await segmentsAsFromBytes(load({ model: path, threads: 1, worker, onProgress: (e) => e.type === 'model' && progress.push(e) }));
      assert.ok(progress.length >= Math.ceil(model.length / (1 << 20)), `${progress.length} progress events`);
      assert.deepEqual(progress.at(-1), { type: 'model', loaded: model.length, total: model.length });
    });
  }

  test('a gzip file on disk is inflated and loads', async () => {
    const path = join(dir, 'small.safetensors.gz');
    const gz = gzipSync(model);
    assert.ok(gz.length > 4 << 20, `${gz.length} bytes: the file must be read in several parts`);
    writeFileSync(path, gz);
    await segmentsAsFromBytes(load({ model: path, threads: 1 }));
  });

  test('a file cut short on disk names the tensor past its end', async () => {
    const path = join(dir, 'cut.safetensors');
    writeFileSync(path, model.slice(0, model.length - 1000));
    await assert.rejects(load({ model: path, threads: 1, worker: true }),
                         /^Error: model file: tensor '.*': data_offsets end \d+ is past the end of the data buffer/);
  });

  test('a missing file names its path', async () => {
    await assert.rejects(load({ model: join(dir, 'none.safetensors'), threads: 1 }),
                         /model: could not read .*none\.safetensors: ENOENT/);
  });
});

// Each process loads the ResNet-50 fixture (178 MB, F32) and reports its peak resident set:
// by path the file arrives in 1 MiB parts; from bytes it is first read whole into JavaScript.
test('loading by path peaks at least a third of the file lower than reading it first', { timeout: 300_000 }, async (t) => {
  const path = fixturePath('r50_fpn.safetensors');
  const size = readFileSync(path).length;
  const script = `
    import { readFileSync } from 'node:fs';
    import { load } from ${JSON.stringify(join(ROOT, 'web', 'src', 'node.js'))};
    const byPath = process.argv[1] === 'path';
    const model = byPath ? process.argv[2] : readFileSync(process.argv[2]);
    const s = await load({ model, threads: 1 });
    await s.dispose();
    const kb = readFileSync('/proc/self/status', 'utf8').match(/^VmHWM:\\s+(\\d+) kB/m)[1];
    console.log(Number(kb) * 1024);`;
  const peak = async (how) => Number((await run(process.execPath, ['--input-type=module', '-e', script, how, path])).stdout);
  const byPath = await peak('path');
  const fromBytes = await peak('bytes');
  const mib = (n) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  const summary = `peak ${mib(byPath)} by path, ${mib(fromBytes)} from bytes; the file is ${mib(size)}`;
  t.diagnostic(summary);
  assert.ok(byPath + size / 3 < fromBytes, summary);
});
