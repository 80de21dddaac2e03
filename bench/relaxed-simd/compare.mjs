// Runs the two builds of madd_loop.c (DIR/plain.wasm, DIR/relaxed.wasm) alternately on one
// thread and prints each one's GFLOP/s and the relaxed build's speed against the plain one's.
//   node --experimental-wasm-relaxed-simd bench/relaxed-simd/compare.mjs DIR [--rounds N]
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '4' } } });
const [dir] = positionals;
const rounds = Number(values.rounds);
if (!dir || !(rounds >= 1)) throw new Error('usage: compare.mjs DIR [--rounds N]');

async function build(name) {
  const { instance } = await WebAssembly.instantiate(await readFile(join(dir, `${name}.wasm`)));
  instance.exports.fill();
  instance.exports.run(5000); // past the baseline compiler
  return instance.exports;
}

const PASSES = 150_000;
const engines = { plain: await build('plain'), relaxed: await build('relaxed') };
const rates = { plain: [], relaxed: [] };
const sums = {};
for (let r = 0; r < rounds; r++) {
  for (const [name, e] of Object.entries(engines)) {
    const started = performance.now();
    sums[name] = e.run(PASSES);
    const seconds = (performance.now() - started) / 1000;
    rates[name].push((PASSES * e.depth() * 64) / seconds / 1e9);
  }
}
const median = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
for (const name of Object.keys(engines)) {
  console.log(`${name.padEnd(8)} ${median(rates[name]).toFixed(1)} GFLOP/s (one thread; runs: ${rates[name].map((v) => v.toFixed(1)).join(', ')}; tile sum ${sums[name].toFixed(3)})`);
}
console.log(`relaxed_madd against multiply + add: ${(median(rates.relaxed) / median(rates.plain)).toFixed(3)}x`);
