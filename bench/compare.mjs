// maskrcnn-wasm against ONNX Runtime on the same model, weights and pixels.
//   node bench/compare.mjs [--quick] [--dir build/bench] [--sizes 800x1199,512x767]
//                          [--threads 1,2] [--warmup 1] [--runs 5]
// For each input size and thread count, each engine runs in its own process
// (bench/engine.mjs; ENGINES below): ours (the F32 model file); ours with the same model in
// int8 (models/convert.py --int8: its 1x1 convolutions and fully connected layers run in
// integers); ONNX Runtime Web on the graph without torchvision's full-image paste loop (its
// masks stay 28x28 per box, as ours before our own paste: the reference peer); ONNX Runtime
// Web on the graph as exported (100 masks pasted into image-sized planes inside the graph);
// and ONNX Runtime's native Node binding (CPU, as many intra-op threads) on the graph without
// the paste, a native reference. After the warm-up runs they take turns, one image at a time,
// so that all see the same machine. Prints per engine the median seconds per image (min–max),
// the effective GFLOP/s (bench/flops.mjs's analytic count of the model on that image divided
// by the median time), the process's peak RSS (VmHWM) and its WebAssembly memory, and each of
// these as a ratio to the reference peer; whether ours found the same instances as each ONNX
// Runtime engine (the "detections" rule of tests/parity_rules.json, that engine as the
// reference; box-local masks pasted as torchvision does, bench/paste-mask.mjs) and our
// per-stage profile; for int8, its time against our F32 run and how many of the F32 run's
// detections it keeps (same label, box IoU >= 0.9); then a summary table.
// --quick: 512x767, 2 threads, 1 warm-up + 2 runs.
// The files come from bench/export_onnx.py (bench/run.sh makes them).
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { boxIou, compareDetections, detectionCut } from '../wasm-tests/support/detection-parity.js';
import { PARITY_RULES } from '../wasm-tests/support/parity-rules.js';
import { modelFlops } from './flops.mjs';

const STAGES = [
  ['preprocess', 'preprocess'], ['backbone', 'backbone'], ['fpn', 'FPN'], ['rpn', 'RPN'],
  ['boxHead', 'box head'], ['maskHead', 'mask head'], ['paste', 'paste'],
];

// name (bench/engine.mjs), label; peer: the one every ratio is taken against; onnx: an ONNX
// Runtime engine, whose detections ours must match.
const ENGINES = [
  { name: 'ours', label: 'maskrcnn-wasm' },
  { name: 'ours-int8', label: 'maskrcnn-wasm int8' },
  { name: 'ort-web', label: 'ORT Web, no paste', onnx: true, peer: true },
  { name: 'ort-web-pasted', label: 'ORT Web, as exported', onnx: true },
  { name: 'ort-node', label: 'ORT native (onnxruntime-node CPU), no paste', onnx: true },
];
const PEER = ENGINES.find((e) => e.peer);

function parseArgs(argv) {
  const o = { dir: 'build/bench', sizes: '800x1199,512x767', threads: '1,2', warmup: 1, runs: 5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') Object.assign(o, { sizes: '512x767', threads: '2', warmup: 1, runs: 2, quick: true });
    else if (['--dir', '--sizes', '--threads', '--warmup', '--runs'].includes(a) && i + 1 < argv.length) o[a.slice(2)] = argv[++i];
    else throw new Error(`compare: unknown argument ${a}`);
  }
  o.sizes = o.sizes.split(',').map((s) => s.trim());
  o.threads = String(o.threads).split(',').map(Number);
  o.warmup = Number(o.warmup);
  o.runs = Number(o.runs);
  if (o.threads.some((t) => !(t >= 1)) || !(o.runs >= 1) || !(o.warmup >= 0)) throw new Error('compare: bad --threads, --runs or --warmup');
  return o;
}

// --- child processes ------------------------------------------------------------------------

function startEngine(kind, prefix, threads) {
  const proc = fork(new URL('./engine.mjs', import.meta.url), [kind, prefix, String(threads)],
                    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = [];
  proc.on('message', (m) => {
    const w = waiting.shift();
    if (!w) return;
    if (m.error) w.reject(new Error(`${kind}: ${m.error}`));
    else w.resolve(m);
  });
  proc.on('exit', (code, signal) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`${kind} engine process ended (${signal ?? code})`));
  });
  const request = (message) => new Promise((resolve, reject) => {
    waiting.push({ resolve, reject });
    if (message) proc.send(message);
  });
  const ready = request(null);
  return {
    kind, ready,
    run: (detail) => request({ cmd: 'run', detail }),
    stats: () => request({ cmd: 'stats' }),
    // (after its stats, or when the other engine failed: nothing of it is needed any more)
    close: () => new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', resolve);
      proc.kill();
    }),
  };
}

// --- parity ---------------------------------------------------------------------------------

function decodeRuns(runs, pixels) {
  const mask = new Uint8Array(pixels);
  let p = 0;
  runs.forEach((length, i) => {
    if (i % 2) mask.fill(1, p, p + length);
    p += length;
  });
  if (p !== pixels) throw new Error(`mask runs cover ${p} pixels, expected ${pixels}`);
  return mask;
}

function maskIou(a, b) {
  let inter = 0, union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i] & b[i];
    union += a[i] | b[i];
  }
  return union ? inter / union : 1;
}

/** The "detections" rule of tests/parity_rules.json with an ONNX Runtime engine's detections
 * as the reference, cut at the model's score threshold, or at the reference's lowest kept
 * score when it returned postprocess.box_detections_per_img instances. */
function parity(reference, ours, pixels, postprocess) {
  const cut = detectionCut(reference, postprocess.box_score_thresh, postprocess.box_detections_per_img);
  const masks = (i, j) => maskIou(decodeRuns(reference[i].runs, pixels), decodeRuns(ours[j].runs, pixels));
  const { problems, worst } = compareDetections(reference, ours, cut, PARITY_RULES.detections, masks);
  const labels = new Set(reference.map((r) => r.label));
  return { pass: problems.length === 0, problems, worst, cut, count: reference.length, ourCount: ours.length, labels: labels.size };
}

/** How many of the F32 run's detections the int8 run has too: same label, box IoU >= 0.9,
 * each int8 detection paired once (the F32 ones best score first, each with its best
 * unused partner). */
const INT8_KEPT_IOU = 0.9;
function keptByInt8(f32, int8) {
  const used = new Set();
  let kept = 0;
  for (const d of f32) {
    let best = -1, bestIou = INT8_KEPT_IOU;
    int8.forEach((e, j) => {
      if (used.has(j) || e.label !== d.label) return;
      const iou = boxIou(d.box, e.box);
      if (iou >= bestIou) [best, bestIou] = [j, iou];
    });
    if (best >= 0) {
      used.add(best);
      kept++;
    }
  }
  return kept;
}

// --- numbers --------------------------------------------------------------------------------

const median = (v) => {
  const s = [...v].sort((a, b) => a - b), n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const mib = (bytes) => `${Math.round(bytes / 2 ** 20)} MiB`;
const fixed = (v, d) => (Number.isFinite(v) ? v.toFixed(d) : '–');
const secondsCell = (s) => `${fixed(median(s), 2)} (${fixed(Math.min(...s), 2)}–${fixed(Math.max(...s), 2)})`;

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model ?? 'unknown CPU';
  const flags = cpuinfo.match(/^flags\s*:\s*(.*)$/m)?.[1].split(/\s+/) ?? [];
  const simd = ['avx512f', 'avx2', 'avx', 'sse4_2'].find((f) => flags.includes(f));
  const mhz = cpuinfo.match(/^cpu MHz\s*:\s*([\d.]+)/m)?.[1];
  return `${os.cpus().length} cores, ${model}${mhz ? ` at ${(Number(mhz) / 1000).toFixed(2)} GHz` : ''}` +
    `${simd ? ` (${simd.toUpperCase().replace('_', '.')}${flags.includes('fma') ? ', FMA' : ''})` : ''}, ` +
    `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${os.release()}, Node ${process.version}`;
}

// --- one configuration ----------------------------------------------------------------------

/** Starts every engine, one after the other (no load competes with another's), runs the
 * warm-ups, then the timed runs in turn; returns the engines with their results. */
async function runEngines(o, prefix, threads) {
  const engines = ENGINES.map((e) => ({ ...e, seconds: [], timings: [] }));
  try {
    for (const e of engines) {
      e.proc = startEngine(e.name, prefix, threads);
      e.ready = await e.proc.ready;
      console.log(`  ${e.name}: ${e.ready.version}, loaded in ${e.ready.loadSeconds.toFixed(1)} s`);
    }
    for (let w = 0; w < o.warmup; w++) {
      const line = [];
      for (const e of engines) {
        const r = await e.proc.run(w === 0);
        if (w === 0) e.instances = r.instances;
        e.count = r.count;
        line.push(`${e.name} ${r.seconds.toFixed(2)} s (${r.count} instances)`);
      }
      console.log(`  warm-up ${w + 1}: ${line.join(', ')}`);
    }
    for (let i = 0; i < o.runs; i++) {
      const order = engines.map((_, k) => engines[(i + k) % engines.length]);
      const line = [];
      for (const e of order) {
        const detail = !e.instances;
        const r = await e.proc.run(detail);
        if (detail) e.instances = r.instances;
        e.count = r.count;
        e.seconds.push(r.seconds);
        if (r.timings) e.timings.push(r.timings);
        line.push(`${e.name} ${r.seconds.toFixed(2)} s`);
      }
      console.log(`  run ${i + 1}: ${line.join(', ')}`);
    }
    for (const e of engines) e.stats = await e.proc.stats();
  } finally {
    await Promise.all(engines.map((e) => e.proc?.close()));
  }
  return engines;
}

const ratio = (a, b) => fixed(a / b, 2);
const memoryCell = (bytes) => (bytes === null ? '–' : mib(bytes));

function printParity(peer, check) {
  console.log(`  parity with ${peer.label}: ${check.pass ? 'PASS' : 'FAIL'} — ${check.count} instances (${peer.name}) / ` +
              `${check.ourCount} (ours), ${check.labels} labels, cut ${check.cut.toFixed(4)}; worst box IoU ` +
              `${check.worst.boxIou.toFixed(5)}, score diff ${check.worst.scoreDiff.toExponential(1)}, mask IoU ` +
              `${check.worst.maskIou.toFixed(5)}`);
  for (const p of check.problems.slice(0, 10)) console.log(`    ${p}`);
  if (check.problems.length > 10) console.log(`    … ${check.problems.length - 10} more`);
}

function printStages(mine, flops) {
  console.log(`  our stages (median over the ${mine.timings.length} timed runs):`);
  const stageMs = (key) => median(mine.timings.map((t) => t[key]));
  const stageRows = STAGES.map(([key, name]) => {
    const f = flops.stages[key];
    return [name, fixed(stageMs(key), 0), f ? fixed(f / 1e9, 1) : '–', f ? fixed(f / 1e6 / stageMs(key), 1) : '–'];
  });
  const sum = STAGES.reduce((total, [key]) => total + stageMs(key), 0);
  stageRows.push(['sum of stages', fixed(sum, 0), fixed(flops.total / 1e9, 1), fixed(flops.total / 1e6 / sum, 1)]);
  console.log(table(['stage', 'ms', 'GFLOP', 'GFLOP/s'], stageRows));
}

/** One row per engine: its numbers and their ratios to the peer's. */
function engineRows(engines, peer, gflops) {
  return engines.map((e) => [
    e.label, secondsCell(e.seconds), ratio(median(e.seconds), median(peer.seconds)), fixed(gflops(e), 1),
    mib(e.stats.peakRss), ratio(e.stats.peakRss, peer.stats.peakRss),
    memoryCell(e.stats.wasmBytes), e.stats.wasmBytes === null ? '–' : ratio(e.stats.wasmBytes, peer.stats.wasmBytes),
  ]);
}

async function runConfiguration(o, size, threads) {
  const prefix = path.join(o.dir, `r50_det_${size}`);
  const meta = JSON.parse(readFileSync(`${prefix}.json`, 'utf8'));
  console.log(`\n== ${size}, ${threads} thread${threads > 1 ? 's' : ''} ==`);
  console.log(`  network input ${meta.resized.join('x')} (padded ${meta.padded.join('x')}), ` +
              `min_size ${meta.min_size}, max_size ${meta.max_size}; image seed ${meta.seed}`);

  const engines = await runEngines(o, prefix, threads);
  const byName = Object.fromEntries(engines.map((e) => [e.name, e]));
  const mine = byName.ours, int8 = byName['ours-int8'], peer = byName[PEER.name];
  const pixels = meta.height * meta.width;
  const checks = engines.filter((e) => e.onnx).map((e) => ({
    engine: e, check: parity(e.instances, mine.instances, pixels, meta.config.postprocess),
  }));
  const flops = modelFlops(meta.config, { padded: meta.padded, proposals: meta.torchvision.proposals, detections: peer.count });
  const profiled = Object.values(meta.torchvision.flops).reduce((sum, v) => sum + v, 0);
  const gflops = (e) => flops.total / 1e9 / median(e.seconds);

  for (const { engine, check } of checks) printParity(engine, check);
  console.log(`  model: ${(flops.total / 1e9).toFixed(1)} GFLOP (analytic, ${meta.torchvision.proposals} proposals, ` +
              `${peer.count} detections; torch.profiler's conv2d + addmm on this image: ${(profiled / 1e9).toFixed(1)}, ` +
              `analytic without the transposed conv: ${((flops.total - flops.transposed) / 1e9).toFixed(1)})`);
  console.log(`  ratios: each engine's / ${peer.label}'s`);
  console.log(table(
    ['engine', 's / image, median (min–max)', 'time / peer', 'GFLOP/s', 'peak RSS', 'peak RSS / peer',
     'WASM memory', 'WASM memory / peer'],
    engineRows(engines, peer, gflops)));
  const kept = keptByInt8(mine.instances, int8.instances);
  console.log(`  int8: ${fixed(median(mine.seconds) / median(int8.seconds), 2)}x the speed of our F32 run; keeps ${kept} of ` +
              `its ${mine.instances.length} detections (same label, box IoU >= ${INT8_KEPT_IOU}), returns ${int8.instances.length}`);
  printStages(mine, flops);
  return { size, threads, engines, peer, mine, kept, checks, gflops };
}

/** What the summary says about an engine's agreement with ours. */
function agreementCell(result, e) {
  if (e === result.mine) return '–';
  if (e.name === 'ours-int8') return `keeps ${result.kept} of ${result.mine.instances.length}`;
  const found = result.checks.find((c) => c.engine === e);
  return found ? (found.check.pass ? 'PASS' : 'FAIL') : '–';
}

// --- main -----------------------------------------------------------------------------------

const o = parseArgs(process.argv.slice(2));
console.log(`maskrcnn-wasm vs ONNX Runtime: ResNet-50-FPN Mask R-CNN (torchvision's ` +
            `maskrcnn_resnet50_fpn, 91 classes), the same weights and pixels`);
console.log(`machine: ${machine()}`);
const load = () => os.loadavg().map((v) => v.toFixed(2)).join(', ');
console.log(`load average at the start: ${load()} (1, 5, 15 minutes)`);
console.log(`runs: ${o.warmup} warm-up + ${o.runs} timed per engine, alternating; each engine in its own process`);
console.log(`peer (every ratio's denominator): ${PEER.label}, the export without torchvision's full-image paste loop`);
const results = [];
for (const size of o.sizes) {
  for (const threads of o.threads) results.push(await runConfiguration(o, size, threads));
}

console.log(`\nload average at the end: ${load()}`);
console.log(`\n== summary (ratios to ${PEER.label}) ==`);
console.log(table(
  ['input', 'threads', 'engine', 's / image, median (min–max)', 'time / peer', 'GFLOP/s',
   'peak RSS (/ peer)', 'WASM memory (/ peer)', 'same instances as ours'],
  results.flatMap((r) => r.engines.map((e) => [
    r.size, r.threads, e.label, secondsCell(e.seconds), ratio(median(e.seconds), median(r.peer.seconds)),
    fixed(r.gflops(e), 1), `${mib(e.stats.peakRss)} (${ratio(e.stats.peakRss, r.peer.stats.peakRss)})`,
    e.stats.wasmBytes === null ? '–' : `${mib(e.stats.wasmBytes)} (${ratio(e.stats.wasmBytes, r.peer.stats.wasmBytes)})`,
    agreementCell(r, e),
  ]))));
if (results.some((r) => r.checks.some(({ check }) => !check.pass))) {
  console.log('parity: FAIL');
  process.exitCode = 1;
} else {
  console.log(`parity: PASS (ours against ${ENGINES.filter((e) => e.onnx).map((e) => e.label).join('; ')})`);
}
