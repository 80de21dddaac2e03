// One engine of the comparison, alone in its process, so that the process's peak memory is
// that engine's own. Started by bench/compare.mjs:
//   node bench/engine.mjs ENGINE PREFIX THREADS
// ENGINE is one of:
//   ours            maskrcnn-wasm on PREFIX.safetensors
//   ours-int8       maskrcnn-wasm on PREFIX.int8.safetensors (models/convert.py --int8)
//   ort-web         ONNX Runtime Web (WASM backend) on PREFIX.no-paste.onnx
//   ort-web-pasted  ONNX Runtime Web (WASM backend) on PREFIX.onnx, the graph as exported
//   ort-node        ONNX Runtime's native Node binding (CPU execution provider, THREADS
//                   intra-op threads) on PREFIX.no-paste.onnx
// PREFIX.json, PREFIX.rgb and the model files are bench/export_onnx.py's. Over the IPC channel:
// first { ready, loadSeconds, version }; then
//   { cmd: 'run', detail }  -> { seconds, count, timings (ours), instances (when detail) }
//   { cmd: 'stats' }        -> { peakRss, rss, wasmBytes } (bytes; wasmBytes null without any)
//   { cmd: 'exit' } (compare.mjs ends it with a signal instead)
// seconds is the wall time of one image: for ours, segment() on the RGBA pixels (binary
// box-local masks out); for ONNX Runtime, making the float32 [3, H, W] input (RGB / 255, as
// torchvision's ToTensor) plus session.run (mask probabilities out: 28x28 per box from the
// graph without the paste, image-sized from the graph as exported). Turning them into binary
// whole-image masks for the parity check (pasting the 28x28 ones as torchvision does,
// bench/paste-mask.mjs) is not timed. instances: { label, score, box, runs } with runs the
// whole-image binary mask as row-major run lengths, zeros first.
import { readFileSync } from 'node:fs';

import { pasteMask } from './paste-mask.mjs';

// Every WebAssembly memory either engine makes, so that its size can be read after the runs
// (a memory never shrinks: its size is its peak). Threaded Emscripten modules create theirs
// in JavaScript; others export it from the instance.
const memories = new Set();
const NativeMemory = WebAssembly.Memory;
WebAssembly.Memory = new Proxy(NativeMemory, {
  construct(target, args) {
    const memory = Reflect.construct(target, args);
    memories.add(memory);
    return memory;
  },
});
for (const name of ['instantiate', 'instantiateStreaming']) {
  const native = WebAssembly[name];
  WebAssembly[name] = async function (...args) {
    const result = await native.apply(this, args);
    const instance = result instanceof WebAssembly.Instance ? result : result.instance;
    for (const value of Object.values(instance.exports)) {
      if (value instanceof NativeMemory) memories.add(value);
    }
    return result;
  };
}
const wasmMemoryBytes = () => [...memories].reduce((sum, m) => sum + m.buffer.byteLength, 0);

function procStatus(field) {
  const match = readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return match ? Number(match[1]) * 1024 : NaN;
}

/** Row-major run lengths of a binary image given as a predicate over pixel indices. */
function runs(pixels, inside) {
  const out = [];
  let value = false, length = 0;
  for (let p = 0; p < pixels; p++) {
    const v = inside(p);
    if (v !== value) {
      out.push(length);
      value = v;
      length = 0;
    }
    length++;
  }
  out.push(length);
  return out;
}

/** Run lengths over the whole image of a binary window { x, y, width, height, data }. */
function windowRuns(window, width, height) {
  return runs(width * height, (p) => {
    const x = p % width - window.x, y = Math.floor(p / width) - window.y;
    return x >= 0 && y >= 0 && x < window.width && y < window.height && window.data[y * window.width + x] !== 0;
  });
}

const [kind, prefix, threadArg] = process.argv.slice(2);
const threads = Number(threadArg);
const meta = JSON.parse(readFileSync(`${prefix}.json`, 'utf8'));
const { height: H, width: W } = meta;
const rgb = readFileSync(`${prefix}.rgb`);
if (rgb.length !== H * W * 3) throw new Error(`${prefix}.rgb: expected ${H * W * 3} bytes`);

async function startOurs(modelFile) {
  const { load } = await import('../web/src/node.js');
  const segmenter = await load({ model: modelFile, threads });
  if (segmenter.backend.threads !== threads) {
    throw new Error(`ours runs ${segmenter.backend.threads} threads, asked for ${threads}`);
  }
  const rgba = new Uint8Array(H * W * 4);
  for (let i = 0; i < H * W; i++) {
    rgba.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
    rgba[i * 4 + 3] = 255;
  }
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return {
    version: `${pkg.name} ${pkg.version} (${segmenter.backend.build} build)`,
    async run(detail) {
      const started = performance.now();
      const result = await segmenter.segment({ data: rgba, width: W, height: H });
      const seconds = (performance.now() - started) / 1000;
      const reply = { seconds, count: result.instances.length, timings: result.timings };
      if (detail) {
        reply.instances = result.instances.map(({ label, score, box, mask }) => ({
          label, score, box, runs: windowRuns(mask, W, H),
        }));
      }
      return reply;
    },
    wasmBytes: () => segmenter.wasmMemoryBytes(),
  };
}

/** The ONNX Runtime input: float32 [3, H, W], RGB / 255. */
function imageTensor(ort) {
  const plane = H * W;
  const x = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    x[i] = rgb[i * 3] / 255;
    x[plane + i] = rgb[i * 3 + 1] / 255;
    x[2 * plane + i] = rgb[i * 3 + 2] / 255;
  }
  return new ort.Tensor('float32', x, [3, H, W]);
}

/** Detection i of an ONNX Runtime output as whole-image run lengths: its masks are either
 * pasted into the image ([N, 1, H, W]) or box-local ([N, 1, M, M], pasted here). */
function ortInstance(out, i) {
  const [, , mh, mw] = out.masks.dims;
  const box = Array.from(out.boxes.data.subarray(i * 4, i * 4 + 4));
  const probs = out.masks.data.subarray(i * mh * mw, (i + 1) * mh * mw);
  let mask;
  if (mh === H && mw === W) mask = { x: 0, y: 0, width: W, height: H, data: probs.map((v) => (v > 0.5 ? 1 : 0)) };
  else if (mh === mw) mask = pasteMask(probs, mh, box, H, W);
  else throw new Error(`masks of ${mh}x${mw}: neither the image's ${H}x${W} nor square`);
  return { label: Number(out.labels.data[i]), score: out.scores.data[i], box, runs: windowRuns(mask, W, H) };
}

function ortEngine(ort, session, version, wasmBytes) {
  return {
    version,
    async run(detail) {
      const started = performance.now();
      const out = await session.run({ [session.inputNames[0]]: imageTensor(ort) });
      const seconds = (performance.now() - started) / 1000;
      const count = out.scores.dims[0];
      const reply = { seconds, count };
      if (detail) reply.instances = Array.from({ length: count }, (_, i) => ortInstance(out, i));
      return reply;
    },
    wasmBytes,
  };
}

async function startOrtWeb(graph) {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  ort.env.wasm.proxy = false;
  const session = await ort.InferenceSession.create(graph, {
    executionProviders: ['wasm'], graphOptimizationLevel: 'all',
  });
  const version = `onnxruntime-web ${ort.env.versions?.web ?? 'unknown version'} (wasm backend)`;
  return ortEngine(ort, session, version, async () => wasmMemoryBytes());
}

async function startOrtNode(graph) {
  // bench/package.json's dependency (bench/run.sh installs it)
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(graph, {
    executionProviders: ['cpu'], graphOptimizationLevel: 'all',
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
  });
  const version = `onnxruntime-node ${ort.env.versions?.node ?? 'unknown version'} (CPU execution provider)`;
  return ortEngine(ort, session, version, async () => null);
}

const ENGINES = {
  ours: () => startOurs(`${prefix}.safetensors`),
  'ours-int8': () => startOurs(`${prefix}.int8.safetensors`),
  'ort-web': () => startOrtWeb(`${prefix}.no-paste.onnx`),
  'ort-web-pasted': () => startOrtWeb(`${prefix}.onnx`),
  'ort-node': () => startOrtNode(`${prefix}.no-paste.onnx`),
};
if (!ENGINES[kind]) throw new Error(`unknown engine ${kind} (${Object.keys(ENGINES).join(', ')})`);
const started = performance.now();
const engine = await ENGINES[kind]();
process.send({ ready: true, loadSeconds: (performance.now() - started) / 1000, version: engine.version });
process.on('message', async (message) => {
  try {
    if (message.cmd === 'run') {
      process.send(await engine.run(message.detail));
    } else if (message.cmd === 'stats') {
      process.send({ peakRss: procStatus('VmHWM'), rss: procStatus('VmRSS'), wasmBytes: await engine.wasmBytes() });
    } else if (message.cmd === 'exit') {
      process.exit(0);
    }
  } catch (e) {
    process.send({ error: String(e?.stack ?? e) });
  }
});
