// The live-video benchmark (a script that prints numbers, not a test): a model's time per
// camera-sized frame in Chromium (headless, cross-origin isolated, the engine in its worker) and
// in Node, with 2 threads and 1, against a reference model measured in the same run (by
// default the live model in int8, as the webcam pages run it, against the same in F16).
//
//   node bench/live.mjs [--model models/live-int8.safetensors] [--reference models/live.safetensors]
//                       [--frames 20] [--warmup 10] [--max-instances 10] [--score-threshold 0.5]
//                       [--size 320x240] [--threads 2,1]
//
// Each frame is segmented as the webcam pages do: at most --max-instances instances scoring
// at least --score-threshold (the AR example's and the demo's 0.5; 0 returns the model's own
// floor of candidates, the worst case for the mask head).
// Frames: synthetic scenes (models/scenes.py, seed 11) of the given size, with objects in them,
// cached in build/bench/live-frames. Per configuration it prints the median engine time
// (the result's timings.total), the median wall time of segment() as the page sees it, frames
// per second (1000 / median wall), the median per stage and the instances found.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { decodeImage, load } from '../web/src/node.js';
import { launchChromium } from '../wasm-tests/support/browser.js';
import { startServer } from '../wasm-tests/support/server.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const STAGES = ['preprocess', 'backbone', 'fpn', 'rpn', 'boxHead', 'maskHead', 'paste'];

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/live-int8.safetensors' },
    reference: { type: 'string', default: 'models/live.safetensors' },
    frames: { type: 'string', default: '20' },
    // V8 first runs WebAssembly with its baseline compiler and moves hot functions to its
    // optimizing tier in the background: the first frames of a page are slower (in Chromium,
    // about 15% over the first three). A live page runs for minutes; its steady state counts.
    warmup: { type: 'string', default: '10' },
    'max-instances': { type: 'string', default: '10' },
    'score-threshold': { type: 'string', default: '0.5' },
    size: { type: 'string', default: '320x240' },
    threads: { type: 'string', default: '2,1' },
  },
});
const [width, height] = values.size.split('x').map(Number);
const frameCount = Number(values.frames);
const warmup = Number(values.warmup);
const maxInstances = Number(values['max-instances']);
const scoreThreshold = Number(values['score-threshold']);
const threadCounts = values.threads.split(',').map(Number);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** RGBA frames: scenes.py renders them once into build/bench/live-frames-WxH. */
async function makeFrames() {
  const dir = join(ROOT, 'build', 'bench', `live-frames-${width}x${height}`);
  const images = join(dir, 'images');
  if (!existsSync(images) || readdirSync(images).length < frameCount) {
    execFileSync('/usr/bin/python3', [join(ROOT, 'models', 'scenes.py'), dir, '--count', String(frameCount),
      '--seed', '11', '--size', `${width}x${height}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const files = readdirSync(images).filter((f) => f.endsWith('.png')).sort().slice(0, frameCount);
  return Promise.all(files.map(async (f) => decodeImage(readFileSync(join(images, f)))));
}

function summarize(where, model, threads, runs) {
  const wall = median(runs.map((r) => r.wall));
  const stages = Object.fromEntries(STAGES.map((s) => [s, median(runs.map((r) => r.timings[s]))]));
  return {
    where, model, threads, wall, engine: median(runs.map((r) => r.timings.total)), fps: 1000 / wall, stages,
    instances: median(runs.map((r) => r.count)),
  };
}

async function inNode(modelPath, threads, frames) {
  const segmenter = await load({ model: resolve(ROOT, modelPath), threads });
  const runs = [];
  try {
    for (let i = 0; i < warmup + frames.length; i++) {
      const t0 = performance.now();
      const result = await segmenter.segment(frames[i % frames.length], { maxInstances, scoreThreshold });
      const wall = performance.now() - t0;
      if (i >= warmup) runs.push({ wall, timings: result.timings, count: result.instances.length });
    }
  } finally {
    await segmenter.dispose();
  }
  return runs;
}

async function inChromium(browser, server, modelUrl, threads) {
  const page = await browser.page();
  const query = new URLSearchParams({
    model: modelUrl, threads, frames: frameCount, warmup, maxInstances, scoreThreshold, width, height,
  });
  await page.goto(server.url(`/bench/live/page.html?${query}`));
  await page.waitForFunction(() => window.report !== undefined, null, { timeout: 600_000 });
  const report = await page.evaluate(() => window.report);
  await page.close();
  if (report.error) throw new Error(`Chromium: ${report.error}\n${browser.messages.join('\n')}`);
  if (report.backend.threads !== threads) throw new Error(`Chromium ran ${report.backend.threads} threads, not ${threads}`);
  return report.runs;
}

function printTable(rows) {
  const head = ['where', 'model', 'threads', 'engine ms', 'wall ms', 'fps', ...STAGES, 'instances'];
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---').join('|')}|`);
  for (const r of rows) {
    const cells = [r.where, r.model, r.threads, r.engine.toFixed(1), r.wall.toFixed(1), r.fps.toFixed(1),
      ...STAGES.map((s) => r.stages[s].toFixed(1)), r.instances];
    console.log(`| ${cells.join(' | ')} |`);
  }
}

async function main() {
  const models = [values.model, values.reference].filter((m, i, all) => all.indexOf(m) === i);
  for (const m of models) if (!existsSync(resolve(ROOT, m))) throw new Error(`${m}: no such model file`);
  const frames = await makeFrames();
  console.log(`live frames: ${frames.length} synthetic scenes of ${width}x${height}, ${warmup} warm-up, at most ${maxInstances} instances scoring >= ${scoreThreshold}`);
  const rows = [];
  // the model files (a path may lie outside the repository) and the frames, served to the page
  const modelUrl = (m) => `/models-under-test/${models.indexOf(m)}.safetensors`;
  const routes = Object.fromEntries([
    ...frames.map((f, i) => [`/frames/${i}.rgba`, { body: Buffer.from(f.data) }]),
    ...models.map((m) => [modelUrl(m), { body: () => readFileSync(resolve(ROOT, m)) }]),
  ]);
  const server = await startServer({ mounts: { '/': ROOT }, isolated: true, routes });
  const browser = await launchChromium();
  try {
    for (const threads of threadCounts) {
      for (const m of models) rows.push(summarize('Chromium', m, threads, await inChromium(browser, server, modelUrl(m), threads)));
    }
  } finally {
    await browser.close();
    await server.close();
  }
  for (const threads of threadCounts) {
    for (const m of models) rows.push(summarize('Node', m, threads, await inNode(m, threads, frames)));
  }
  printTable(rows);
  if (models.length === 2) {
    console.log();
    for (const where of ['Chromium', 'Node']) {
      for (const threads of threadCounts) {
        const [a, b] = models.map((m) => rows.find((r) => r.where === where && r.model === m && r.threads === threads));
        console.log(`${where}, ${threads} thread${threads > 1 ? 's' : ''}: ${a.model} takes ${(a.wall / b.wall).toFixed(2)}x the time of ${b.model} (${a.fps.toFixed(1)} vs ${b.fps.toFixed(1)} fps)`);
      }
    }
  }
}

main().catch((e) => {
  console.error(`bench/live: ${e.message}`);
  process.exitCode = 1;
});
