// Runs in Chromium for bench/live.mjs: loads a model with the package (from the repository's
// sources and dist/), segments the served RGBA frames one after another as a live page does, and
// leaves { backend, runs: [{ wall, timings, count }] } in window.report.
import { load } from '/web/src/index.js';

const q = new URLSearchParams(location.search);
const frames = Number(q.get('frames'));
const warmup = Number(q.get('warmup'));
const options = { maxInstances: Number(q.get('maxInstances')), scoreThreshold: Number(q.get('scoreThreshold')) };

async function frame(i) {
  const response = await fetch(`/frames/${i % frames}.rgba`);
  const data = new Uint8ClampedArray(await response.arrayBuffer());
  return new ImageData(data, Number(q.get('width')), Number(q.get('height')));
}

async function main() {
  const segmenter = await load({ model: q.get('model'), threads: Number(q.get('threads')) });
  const images = [];
  for (let i = 0; i < frames; i++) images.push(await frame(i));
  const runs = [];
  for (let i = 0; i < warmup + frames; i++) {
    const t0 = performance.now();
    const result = await segmenter.segment(images[i % frames], options);
    const wall = performance.now() - t0;
    if (i >= warmup) runs.push({ wall, timings: result.timings, count: result.instances.length });
  }
  const backend = segmenter.backend;
  await segmenter.dispose();
  window.report = { backend, runs };
}

main().catch((e) => { window.report = { error: String(e?.stack ?? e) }; });
