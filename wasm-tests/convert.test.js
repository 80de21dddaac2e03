// The JavaScript converter against models/convert.py: the same model files byte for byte from
// checkpoints torch saved (zip and legacy formats, odd storages, a training checkpoint,
// MobileNetV3, a model file as input), the same refusals, numpy's float16 and int8 rounding;
// hostile files refused with messages that name the problem; the CLI without Python.
// Fixtures: models/make_fixtures.py --only convert (build/fixtures/convert).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';

import { float16Bits } from '../web/src/convert/float16.js';
import { quantizeInt8 } from '../web/src/convert/int8.js';
import { convert, load } from '../web/src/node.js';
import { fixturePath, ROOT } from './support/fixtures.js';

const run = promisify(execFile);
const CLI = join(ROOT, 'web', 'src', 'cli', 'main.js');
let DIR;
let cases;

before(() => {
  DIR = fixturePath(join('convert', 'cases.json')).replace(/cases\.json$/, '');
  cases = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8'));
});

const file = (name) => readFileSync(join(DIR, name));

// convert.py's command-line arguments as convert() options
const FLAGS = {
  '--min-size': 'minSize', '--max-size': 'maxSize', '--bn-eps': 'bnEps', '--rpn-pre-nms-top-n': 'rpnPreNmsTopN',
  '--rpn-post-nms-top-n': 'rpnPostNmsTopN', '--rpn-score-thresh': 'rpnScoreThresh',
  '--box-score-thresh': 'boxScoreThresh', '--detections-per-img': 'detectionsPerImg',
};
function optionsOf(args) {
  const options = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--fp16') options.fp16 = true;
    else if (args[i] === '--int8') options.int8 = true;
    else if (args[i] === '--labels') options.labels = args[++i].split(',');
    else if (FLAGS[args[i]]) options[FLAGS[args[i]]] = Number(args[++i]);
    else throw new Error(`unknown flag ${args[i]} in cases.json`);
  }
  return options;
}

/** { header, metadata, data } of safetensors bytes (for messages when files differ). */
function parse(bytes) {
  const n = Number(Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64LE(0));
  const header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString('utf8'));
  return { header, data: bytes.subarray(8 + n) };
}

/** Byte-equal, or a failure that says where the files part. */
function assertSameFile(actual, expected, what) {
  if (Buffer.compare(Buffer.from(actual), expected) === 0) return;
  const a = parse(actual);
  const e = parse(expected);
  assert.deepEqual(a.header.__metadata__, e.header.__metadata__, `${what}: metadata (configuration)`);
  assert.deepEqual(Object.keys(a.header), Object.keys(e.header), `${what}: tensor names and order`);
  for (const [name, info] of Object.entries(e.header)) {
    if (name === '__metadata__') continue;
    assert.deepEqual(a.header[name], info, `${what}: ${name}'s entry`);
    const [begin, end] = info.data_offsets;
    assert.ok(Buffer.compare(a.data.subarray(begin, end), e.data.subarray(begin, end)) === 0, `${what}: ${name}'s bytes differ`);
  }
  assert.fail(`${what}: the files differ (header padding?)`);
}

describe('the same model files as convert.py', () => {
  test('every case of cases.json, byte for byte', { timeout: 300_000 }, async (t) => {
    assert.ok(cases.outputs.length >= 12);
    for (const c of cases.outputs) {
      const started = Date.now();
      const out = await convert(file(c.input), optionsOf(c.args));
      assertSameFile(out, file(`${c.name}.safetensors`), `${c.name} (${c.input} ${c.args.join(' ')})`);
      t.diagnostic(`${c.name}: ${(out.length / 2 ** 20).toFixed(1)} MiB in ${Date.now() - started} ms`);
    }
  });

  test('a gzip-compressed model file as input', async () => {
    const out = await convert(gzipSync(file('r18.safetensors'), { level: 1 }), { int8: true });
    assertSameFile(out, file('reconvert_int8.safetensors'), 'gzip r18.safetensors --int8');
  });

  test('an ArrayBuffer input and a Buffer input give the same file', async () => {
    const bytes = file('mnv3.pth');
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    assertSameFile(await convert(copy, { fp16: true }), file('mnv3_fp16.safetensors'), 'ArrayBuffer');
  });

  test('a converted model loads and segments', { timeout: 120_000 }, async () => {
    const segmenter = await load({ model: await convert(file('mnv3.pth'), { fp16: true, minSize: 96, maxSize: 128 }), threads: 1 });
    try {
      assert.deepEqual(segmenter.labels, ['__background__', 'class_1', 'class_2', 'class_3']);
      const data = new Uint8Array(96 * 128 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) % 251));
      const result = await segmenter.segment({ data, width: 128, height: 96 });
      assert.ok(Array.isArray(result.instances));
    } finally {
      await segmenter.dispose();
    }
  });
});

test('convert.py\'s refusals, with its messages', async () => {
  assert.ok(cases.errors.length >= 15);
  for (const e of cases.errors) {
    await assert.rejects(convert(file(e.input), optionsOf(e.args)), (err) => {
      assert.equal(err.name, 'ConvertError', `${e.name}: ${err.stack}`);
      assert.equal(err.message, e.message, e.name);
      return true;
    });
  }
});

describe('numpy\'s rounding', () => {
  let numbers;
  before(() => {
    const bytes = file('numbers.safetensors');
    const { header, data } = parse(bytes);
    const raw = (name) => {
      const [begin, end] = header[name].data_offsets;
      return { shape: header[name].shape, buffer: Uint8Array.from(data.subarray(begin, end)).buffer };
    };
    numbers = {
      f32: new Float32Array(raw('f32').buffer),
      f16: new Uint16Array(raw('f16').buffer),
      weight: { ...raw('int8.weight'), values: new Float32Array(raw('int8.weight').buffer) },
      q: new Int8Array(raw('int8.q').buffer),
      scales: new Float32Array(raw('int8.scales').buffer),
    };
  });

  test('float32 to float16 as astype(float16): subnormals, overflow, ties to even', () => {
    const { f32, f16 } = numbers;
    assert.ok(f32.length > 6000);
    let mismatches = 0;
    for (let i = 0; i < f32.length; i++) {
      if (float16Bits(f32[i]) !== f16[i]) {
        mismatches++;
        if (mismatches < 5) assert.fail(`float16 of ${f32[i]}: ${float16Bits(f32[i]).toString(16)}, numpy ${f16[i].toString(16)}`);
      }
    }
    // the edge cases numpy decided
    assert.equal(f16[f32.indexOf(65520)], 0x7c00);
    assert.equal(f16[f32.indexOf(65519)], 0x7bff);
  });

  test('int8 weights as quantize_int8: scales and ties to even', () => {
    const { weight, q, scales } = numbers;
    const got = quantizeInt8(weight.values, weight.shape[0]);
    assert.deepEqual([...got.scales], [...scales]);
    assert.deepEqual([...got.q], [...q]);
    assert.deepEqual([...q.subarray(1, 6)], [0, 2, 2, 0, -2]); // numpy's halves: 0.5 1.5 2.5 -0.5 -2.5
  });
});

describe('hostile and damaged files are refused with a clear message', () => {
  const refused = async (bytes, pattern) => {
    await assert.rejects(convert(bytes), (err) => {
      assert.equal(err.name, 'ConvertError', err.stack);
      assert.match(err.message, pattern);
      return true;
    });
  };

  test('a pickle that calls os.system (zip and legacy format)', async () => {
    await refused(file('hostile_system.pth'), /^refusing pickle global posix\.system: a checkpoint may hold only tensors/);
    await refused(file('hostile_system_legacy.pth'), /^refusing pickle global posix\.system/);
  });

  test('tensors reaching past their storage, absurd shapes, a storage shorter than it says', async () => {
    await refused(file('hostile_offset.pth'), /^tensor of shape \[2\] \(stride \[1\], storage offset 10\) reaches past the end of its storage '0': element 11 of 6$/);
    await refused(file('hostile_stride.pth'), /^tensor of shape \[2, 3\] \(stride \[3, 4\], storage offset 0\) reaches past the end of its storage '0': element 11 of 6$/);
    await refused(file('hostile_shape.pth'), /^tensor of shape \[1099511627776, 1099511627776\] has 1208925819614629174706176 elements, more than the 268435456/);
    await refused(file('hostile_storage_short.pth'), /^storage '0': entry hostile\/data\/0 holds 8 bytes, its 6 float32 elements need 24$/);
  });

  test('a compressed zip entry', async () => {
    await refused(file('hostile_deflate.pth'), /^zip entry hostile\/data\.pkl is compressed \(method 8\)/);
  });

  test('truncated zip and legacy files, a corrupt entry, files that are not checkpoints', async () => {
    const zip = file('r18.pth');
    for (const keep of [zip.length - 1, zip.length - 23, zip.length >> 1, 100, 4]) {
      await refused(zip.subarray(0, keep), /^damaged zip archive: no end of central directory record \(a truncated file, or not a zip archive\)$/);
    }
    const corrupt = Buffer.from(zip);
    corrupt[zip.indexOf('data.pkl') + 200] ^= 0x40; // inside data.pkl's bytes (after its local header)
    await refused(corrupt, /^damaged zip archive: entry r18\/data\.pkl fails its CRC-32 check \(corrupt data\)$/);

    const legacy = file('r18_legacy.pth');
    await refused(legacy.subarray(0, legacy.length - 1), /^truncated checkpoint: storage '\d+' needs \d+ bytes at byte \d+, the file has \d+ left$/);
    // Where the cut falls inside the pickle varies: a legacy file's storage keys are object ids of varying length.
    await refused(legacy.subarray(0, 2000), /^checkpoint pickle: truncated \(.+ at byte \d+, \d+ left\)$/);
    await refused(legacy.subarray(0, legacy.length - 20_000_000), /^truncated checkpoint: storage '\d+' needs \d+ bytes/);
    await refused(new Uint8Array(0), /^not a torch checkpoint: neither a zip archive/);
    await refused(Buffer.from('{"just": "json"}'), /^not a torch checkpoint/);
  });

  test('bad options', async () => {
    await assert.rejects(convert(file('mnv3.pth'), { fp61: true }), /^ConvertError: unknown option fp61/);
    await assert.rejects(convert('mnv3.pth'), /takes the checkpoint as a Uint8Array or ArrayBuffer/);
    await assert.rejects(convert(file('mnv3.pth'), { labels: 'a,b,c' }), /labels must be a list of strings/);
  });
});

describe('the CLI, with no Python on PATH', () => {
  let dir;
  let env;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mrw-convert-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    env = { PATH: bin, HOME: dir };
    for (const p of env.PATH.split(delimiter)) {
      for (const python of ['python', 'python3']) assert.ok(!existsSync(join(p, python)), `${python} on the test PATH`);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cli = async (args) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: dir, env, maxBuffer: 16 << 20 });
      return { code: 0, stdout, stderr };
    } catch (e) {
      if (e.code === undefined || typeof e.code !== 'number') throw e;
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  test('convert with every option: convert.py\'s file; labels from a file', { timeout: 120_000 }, async () => {
    const c = cases.outputs.find((o) => o.name === 'options');
    let r = await cli(['convert', join(DIR, c.input), 'out.safetensors', ...c.args]);
    assert.equal(r.code, 0, r.stderr);
    assertSameFile(readFileSync(join(dir, 'out.safetensors')), file('options.safetensors'), 'CLI options');
    assert.match(r.stderr, /^converting .*train\.pth \(43\.\d MiB\)\n$/);
    assert.equal(r.stdout, 'wrote out.safetensors: resnet18 FPN 16, box head 32, mask head 2x16, 3 classes, torchvision names, bn_eps 0.001, 138 tensors F32, 42.9 MiB\n');

    writeFileSync(join(dir, 'labels.txt'), 'cat\n  dog \n\n');
    const args = [...c.args];
    args[args.indexOf('--labels') + 1] = 'labels.txt';
    r = await cli(['convert', join(DIR, c.input), 'out2.safetensors', ...args]);
    assert.equal(r.code, 0, r.stderr);
    assertSameFile(readFileSync(join(dir, 'out2.safetensors')), file('options.safetensors'), 'CLI --labels FILE');
  });

  test('int8 from a legacy-format checkpoint; a model file as input', { timeout: 120_000 }, async () => {
    let r = await cli(['convert', join(DIR, 'r18.pth'), 'r18.safetensors', '--int8']);
    assert.equal(r.code, 0, r.stderr);
    assertSameFile(readFileSync(join(dir, 'r18.safetensors')), file('r18_int8.safetensors'), 'CLI --int8');
    assert.match(r.stdout, /, 138 tensors F32 \(\d+ weights int8\), 10\.8 MiB\n$/);
    r = await cli(['convert', join(DIR, 'r18.safetensors'), 'again.safetensors', '--int8']);
    assert.equal(r.code, 0, r.stderr);
    assertSameFile(readFileSync(join(dir, 'again.safetensors')), file('reconvert_int8.safetensors'), 'CLI model file --int8');
  });

  test('refusals exit with status 2 and the message; usage errors; help', async () => {
    let r = await cli(['convert', join(DIR, 'hostile_system.pth'), 'x.safetensors']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /maskrcnn-wasm convert: error: refusing pickle global posix\.system/);
    assert.ok(!existsSync(join(dir, 'x.safetensors')));
    r = await cli(['convert', 'missing.pth', 'x.safetensors']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error: no such checkpoint file: missing\.pth/);
    r = await cli(['convert', join(DIR, 'mnv3.pth'), join('no-dir', 'x.safetensors')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^maskrcnn-wasm convert: error: cannot write no-dir\/x\.safetensors: no such directory no-dir\n$/m);
    mkdirSync(join(dir, 'taken.safetensors'));  // a directory where the file should go
    r = await cli(['convert', join(DIR, 'mnv3.pth'), 'taken.safetensors']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error: cannot write taken\.safetensors: EISDIR/);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp')), []);
    r = await cli(['convert', join(DIR, 'ok_shapes.pth'), 'x.safetensors', '--labels', 'a,,b']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error: --labels: empty class name in 'a,,b'/);
    r = await cli(['convert', join(DIR, 'ok_shapes.pth')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /convert: needs CHECKPOINT and OUT\n\(see 'maskrcnn-wasm convert --help'\)/);
    r = await cli(['convert', 'a.pth', 'b', '--min-size', 'big']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--min-size expects a whole number, not 'big'/);
    r = await cli(['convert', '--help']);
    assert.equal(r.code, 0);
    for (const flag of ['--fp16', '--int8', '--labels', '--min-size', '--max-size', '--bn-eps', '--rpn-pre-nms-top-n',
      '--rpn-post-nms-top-n', '--rpn-score-thresh', '--box-score-thresh', '--detections-per-img']) {
      assert.ok(r.stdout.includes(flag), `--help lacks ${flag}`);
    }
    r = await cli(['--help']);
    assert.match(r.stdout, /convert CHECKPOINT OUT/);
  });
});

test('progress: every tensor read, then written, in order', async () => {
  const events = [];
  await convert(file('mnv3.pth'), { onProgress: (e) => events.push(e) });
  const read = events.filter((e) => e.stage === 'read');
  const write = events.filter((e) => e.stage === 'write');
  assert.deepEqual(events, [...read, ...write]);
  assert.deepEqual(read.map((e) => e.done), [...Array(read[0].total + 1).keys()]);
  assert.deepEqual(write.map((e) => e.done), [...Array(write[0].total + 1).keys()]);
  assert.ok(write[0].total > 200 && write[0].total <= read[0].total); // num_batches_tracked are not written
  await assert.rejects(convert(file('mnv3.pth'), { onProgress: 'yes' }), /onProgress must be a function/);
});
