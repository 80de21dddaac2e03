// Fuzzing the converter's readers in Node: small valid checkpoints (zip and legacy formats,
// pickle protocols 2 and 4) and their pickle, mutated deterministically (a seeded PRNG), must
// only ever be read or refused with a ConvertError: never another exception, never a hang
// (each case is timed, and the test has a time limit).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { readCheckpoint } from '../web/src/convert/checkpoint.js';
import { DTYPES } from '../web/src/convert/dtypes.js';
import { ConvertError } from '../web/src/convert/errors.js';
import { unpickle } from '../web/src/convert/pickle.js';
import { floatTensors, unwrapCheckpoint } from '../web/src/convert/state-dict.js';
import { Tensor } from '../web/src/convert/tensor.js';
import { findGlobal, storageLoader } from '../web/src/convert/torch-globals.js';
import { entryBytes, readZip } from '../web/src/convert/zip.js';
import { fixturePath } from './support/fixtures.js';

const CASES_PER_SEED = 2000;
const SLOW_CASE_MS = 2000;

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x2e, 0x28, 0x52, 0x51, 0x7d, 0x5d, 0x71, 0x68];

/** bytes with 1 to 4 mutations: bit flips, bytes set, truncation, insertion, deletion, duplication. */
function mutate(bytes, random) {
  let out = Uint8Array.from(bytes);
  const at = () => Math.floor(random() * out.length);
  const count = 1 + Math.floor(random() * 4);
  for (let k = 0; k < count && out.length > 0; k++) {
    switch (Math.floor(random() * 7)) {
      case 0: out[at()] ^= 1 << Math.floor(random() * 8); break;
      case 1: out[at()] = Math.floor(random() * 256); break;
      case 2: out[at()] = INTERESTING[Math.floor(random() * INTERESTING.length)]; break;
      case 3: out = out.slice(0, at()); break;
      case 4: {
        const p = at();
        const extra = Uint8Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.floor(random() * 256));
        out = Uint8Array.from([...out.subarray(0, p), ...extra, ...out.subarray(p)]);
        break;
      }
      case 5: {
        const p = at();
        out = Uint8Array.from([...out.subarray(0, p), ...out.subarray(p + 1 + Math.floor(random() * 16))]);
        break;
      }
      default: {
        const p = at();
        const chunk = out.subarray(p, p + 1 + Math.floor(random() * 32));
        const q = at();
        out = Uint8Array.from([...out.subarray(0, q), ...chunk, ...out.subarray(q)]);
      }
    }
  }
  return out;
}

/** Reads every tensor reachable from a value (each once), as the converter would. */
function touchTensors(value, seen = new Set()) {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Tensor) {
    if (DTYPES[value.dtype]?.floating) value.toFloat32();
    return;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      touchTensors(k, seen);
      touchTensors(v, seen);
    }
  } else if (Array.isArray(value)) {
    for (const v of value) touchTensors(v, seen);
  }
}

function readAll(bytes) {
  const obj = readCheckpoint(bytes);
  touchTensors(obj);
  try {
    floatTensors(unwrapCheckpoint(obj));
  } catch (e) {
    if (!(e instanceof ConvertError)) throw e;
  }
}

function fuzz(t, name, seedBytes, target, seed) {
  const random = prng(seed);
  let refused = 0;
  let slowest = 0;
  for (let i = 0; i < CASES_PER_SEED; i++) {
    const input = mutate(seedBytes, random);
    const started = performance.now();
    try {
      target(input);
    } catch (e) {
      if (!(e instanceof ConvertError)) {
        assert.fail(`${name}, case ${i}: ${e?.stack ?? e}\ninput (base64): ${Buffer.from(input).toString('base64').slice(0, 4000)}`);
      }
      assert.ok(e.message.length > 0 && e.message.length < 2000, `${name}, case ${i}: message of ${e.message.length} characters`);
      refused++;
    }
    const ms = performance.now() - started;
    slowest = Math.max(slowest, ms);
    assert.ok(ms < SLOW_CASE_MS, `${name}, case ${i}: took ${ms.toFixed(0)} ms`);
  }
  t.diagnostic(`${name}: ${CASES_PER_SEED} cases, ${refused} refused, slowest ${slowest.toFixed(1)} ms`);
}

const seedFile = (name) => readFileSync(fixturePath(join('convert', name)));

test('the seeds read without errors', () => {
  for (const name of ['seed_zip.pth', 'seed_legacy.pth', 'seed_zip_p4.pth']) readAll(seedFile(name));
  // and what they hold is what torch saved
  const obj = readCheckpoint(seedFile('seed_legacy.pth'));
  assert.deepEqual([...obj.get('a').toFloat32()], [0, 3, 1, 4, 2, 5]); // arange(6).reshape(2, 3).t()
  assert.deepEqual(obj.get('a').shape, [3, 2]);
  assert.equal(obj.get('big'), 2n ** 70n);
  assert.deepEqual([...obj.get('e').get('nested').toFloat32()], [1, 1]);
  assert.deepEqual([...obj.get('p').toFloat32()], [0.5, 0.5, 0.5, 0.5]); // a Parameter
  assert.deepEqual(obj.get('c'), [1, 2.5, 'x', null, true, [3, 4]]);
});

test('mutated checkpoints: zip and legacy formats, protocols 2 and 4', { timeout: 600_000 }, (t) => {
  fuzz(t, 'seed_zip.pth', seedFile('seed_zip.pth'), readAll, 1);
  fuzz(t, 'seed_zip_p4.pth', seedFile('seed_zip_p4.pth'), readAll, 2);
  fuzz(t, 'seed_legacy.pth', seedFile('seed_legacy.pth'), readAll, 3);
  fuzz(t, 'hostile_offset.pth', seedFile('hostile_offset.pth'), readAll, 4);
});

test('mutated pickles (data.pkl without its CRC check)', { timeout: 600_000 }, (t) => {
  for (const [name, seed] of [['seed_zip.pth', 5], ['seed_zip_p4.pth', 6]]) {
    const entries = readZip(seedFile(name));
    const pkl = [...entries.keys()].find((n) => n.endsWith('/data.pkl'));
    const pickle = entryBytes(entries, pkl);
    const target = (bytes) => {
      const attach = (storage) => {
        const size = storage.numel * DTYPES[storage.dtype].size;
        if (size > 1 << 20) throw new ConvertError('storage larger than the fuzz harness gives');
        storage.bytes = new Uint8Array(size);
      };
      touchTensors(unpickle(bytes, { findGlobal, persistentLoad: storageLoader(new Map(), attach) }).value);
    };
    fuzz(t, `${name} data.pkl`, pickle, target, seed);
  }
});
