// One engine of the comparison, alone in its process, so that the process's peak memory is
// that engine's own. Started by bench/compare.mjs:
//   node bench/engine.mjs ours|ours-int8|ort PREFIX THREADS
// PREFIX.json, PREFIX.rgb, PREFIX.safetensors (ours) and PREFIX.onnx (ort) are the files of
// bench/export_onnx.py; PREFIX.int8.safetensors (ours-int8) is the same model written by
// models/convert.py --int8. Over the IPC channel: first { ready, loadSeconds, version }; then
//   { cmd: 'run', detail }  -> { seconds, count, timings (ours), instances (when detail) }
//   { cmd: 'stats' }        -> { peakRss, rss, wasmBytes } (bytes)
//   { cmd: 'exit' } (compare.mjs ends it with a signal instead)
// seconds is the wall time of one image: for ours, segment() on the RGBA pixels (binary
// box-local masks out); for ONNX Runtime Web, making the float32 [3, H, W] input (RGB / 255,
// as torchvision's ToTensor) plus session.run (mask probabilities out; binarizing them for the
// parity check is not timed). instances: { label, score, box, runs } with runs the
// whole-image binary mask as row-major run lengths, zeros first.
import { readFileSync } from 'node:fs';

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
          label, score, box,
          runs: runs(H * W, (p) => {
            const x = p % W - mask.x, y = Math.floor(p / W) - mask.y;
            return x >= 0 && y >= 0 && x < mask.width && y < mask.height && mask.data[y * mask.width + x] !== 0;
          }),
        }));
      }
      return reply;
    },
    wasmBytes: () => segmenter.wasmMemoryBytes(),
  };
}

async function startOrt() {
  const ort = await import('onnxruntime-web');
  const version = ort.env.versions?.web ?? 'unknown version';
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  ort.env.wasm.proxy = false;
  const session = await ort.InferenceSession.create(`${prefix}.onnx`, {
    executionProviders: ['wasm'], graphOptimizationLevel: 'all',
  });
  const plane = H * W;
  return {
    version: `onnxruntime-web ${version} (wasm backend)`,
    async run(detail) {
      const started = performance.now();
      const x = new Float32Array(3 * plane);
      for (let i = 0; i < plane; i++) {
        x[i] = rgb[i * 3] / 255;
        x[plane + i] = rgb[i * 3 + 1] / 255;
        x[2 * plane + i] = rgb[i * 3 + 2] / 255;
      }
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [3, H, W]) });
      const seconds = (performance.now() - started) / 1000;
      const count = out.scores.dims[0];
      const reply = { seconds, count };
      if (detail) {
        const masks = out.masks.data;
        reply.instances = [];
        for (let i = 0; i < count; i++) {
          const base = i * plane;
          reply.instances.push({
            label: Number(out.labels.data[i]), score: out.scores.data[i],
            box: Array.from(out.boxes.data.subarray(i * 4, i * 4 + 4)),
            runs: runs(plane, (p) => masks[base + p] > 0.5),
          });
        }
      }
      return reply;
    },
    wasmBytes: async () => wasmMemoryBytes(),
  };
}

const started = performance.now();
const engine = kind === 'ours' ? await startOurs(`${prefix}.safetensors`)
  : kind === 'ours-int8' ? await startOurs(`${prefix}.int8.safetensors`)
  : kind === 'ort' ? await startOrt() : null;
if (!engine) throw new Error(`unknown engine ${kind} (ours, ours-int8 or ort)`);
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
