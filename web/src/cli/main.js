#!/usr/bin/env node
// The maskrcnn-wasm command: dispatches to a subcommand module's main(argv).
import { existsSync, readFileSync } from 'node:fs';

import { UsageError } from './args.js';

const USAGE = `usage: maskrcnn-wasm <command> [options]

commands:
  segment <image or folder>   instance masks of PNG/JPEG images as JSON and overlays
  eval                        COCO evaluation of a model
  convert CHECKPOINT OUT      a torchvision Mask R-CNN checkpoint (.pth) to a model file

'maskrcnn-wasm <command> --help' tells more.`;

const EVAL_MODULE = new URL('./eval.js', import.meta.url);

export async function run(argv) {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '-h':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    case '--version':
    case '-v': {
      const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
      process.stdout.write(`${pkg.version}\n`);
      return 0;
    }
    case 'segment':
      return (await import('./segment.js')).main(rest);
    case 'convert':
      return (await import('./convert.js')).main(rest);
    case 'eval':
      if (!existsSync(EVAL_MODULE)) {
        process.stderr.write('maskrcnn-wasm: eval is not available yet in this version\n');
        return 1;
      }
      return (await import(EVAL_MODULE.href)).main(rest);
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

run(process.argv.slice(2)).then(
  (code) => { process.exitCode = code ?? 0; },
  (e) => {
    if (e instanceof UsageError) {
      const command = ['segment', 'eval', 'convert'].includes(process.argv[2]) ? `${process.argv[2]} ` : '';
      process.stderr.write(`maskrcnn-wasm: ${e.message}\n(see 'maskrcnn-wasm ${command}--help')\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`maskrcnn-wasm: ${e.message}\n`);
      process.exitCode = 1;
    }
  },
);
