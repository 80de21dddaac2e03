// `maskrcnn-wasm eval`: COCO box and mask AP of a results file, or of a model run over a
// dataset's images.

import { readFile, writeFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { evaluate } from '../coco/evaluate.js';
import { indexGroundTruth } from '../coco/dataset.js';
import { formatFixed, formatSummary } from '../coco/summarize.js';
import { predictDataset } from '../coco/predict.js';

export const USAGE = `usage:
  maskrcnn-wasm eval --annotations COCO.json --results RESULTS.json
  maskrcnn-wasm eval [--model FILE] --annotations COCO.json --images DIR [--json RESULTS.json] [--threads N]

Prints COCO's box AP table, and its mask AP table when the results have masks, computed
as pycocotools computes them.

  --annotations FILE  COCO annotations (the ground truth)
  --results FILE      COCO results to score (the list pycocotools' loadRes reads)
  --model FILE        model file to run on every image of the annotations
                      (default: the package's default model)
  --images DIR        folder holding the images, by their file_name
  --json FILE         with --model: also write the results to FILE
  --threads N         with --model: number of threads, or 'auto' (default)
  --exif-orientation  with --model: turn JPEG images as their EXIF orientation says
                      (default: the stored pixels, as PIL's Image.open gives them)
  -h, --help          this text
`;

const OPTIONS = {
  annotations: { type: 'string' },
  results: { type: 'string' },
  model: { type: 'string' },
  images: { type: 'string' },
  json: { type: 'string' },
  threads: { type: 'string' },
  'exif-orientation': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

class UsageError extends Error {}

function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(error.message);
  }
  if (values.help) return values;
  if (!values.annotations) throw new UsageError('--annotations COCO.json is required');
  if (values.results && values.model) throw new UsageError('give either --results or --model, not both');
  if (!values.results && !values.model && !values.images) {
    throw new UsageError('give --results RESULTS.json, or --images DIR (and --model FILE) to run a model');
  }
  if (values.results) {
    for (const name of ['images', 'json', 'threads', 'exif-orientation']) {
      if (values[name] !== undefined) throw new UsageError(`--${name} goes with --model, not with --results`);
    }
  } else if (!values.images) {
    throw new UsageError('--model needs --images DIR, the folder of the annotations\' images');
  }
  if (values.threads !== undefined && values.threads !== 'auto' && !/^[1-9][0-9]*$/.test(values.threads)) {
    throw new UsageError(`--threads must be a positive whole number or 'auto', not '${values.threads}'`);
  }
  return values;
}

async function requirePath(file, option, kind) {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new UsageError(`${option}: ${file} does not exist`);
  }
  if (kind === 'file' && !info.isFile()) throw new UsageError(`${option}: ${file} is not a file`);
  if (kind === 'dir' && !info.isDirectory()) throw new UsageError(`${option}: ${file} is not a folder`);
}

async function readJson(file) {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${error.message}`);
  }
}

function categoryTable(evaluations) {
  const header = ['category'.padEnd(20), ...evaluations.map((e) => `${e.iouType === 'bbox' ? 'box' : 'mask'} AP`.padStart(8))];
  const lines = [header.join('')];
  evaluations[0].perCategory.forEach(({ name }, k) => {
    const cells = evaluations.map((e) => formatFixed(e.perCategory[k].stats[0]).padStart(8));
    lines.push([String(name).slice(0, 19).padEnd(20), ...cells].join(''));
  });
  return lines.join('\n');
}

// The model, the package's loader and the image reader are imported only for a model run,
// so that scoring a results file needs none of them.
async function runModel(options, annotations, { load, readImage, log }) {
  const loadModel = load ?? (await import('../node.js')).load;
  const readImageFile = readImage ?? (await import('./images.js')).readImage;
  const threads = options.threads === undefined || options.threads === 'auto' ? 'auto' : Number(options.threads);
  const segmenter = await loadModel({ model: options.model, threads });
  try {
    const { results, unknownClasses } = await predictDataset({
      segmenter,
      dataset: annotations,
      imagesDir: options.images,
      readImage: (file) => readImageFile(file, { applyOrientation: options['exif-orientation'] ?? false }),
      onImage: ({ index, total, file, instances }) => log(`[${index + 1}/${total}] ${file}: ${instances} instances`),
    });
    for (const [name, count] of unknownClasses) {
      log(`note: ${count} detections of class '${name}' left out: no category of that name in the annotations`);
    }
    return results;
  } finally {
    await segmenter.dispose?.();
  }
}

/**
 * Runs the command. `argv` holds the arguments after `eval`.
 * @param {string[]} argv
 * @param {object} [io] output and the parts --model needs, replaceable for tests
 * @returns {Promise<number>} exit code: 0 done, 1 failed, 2 bad arguments
 */
export async function main(argv, {
  stdout = (text) => process.stdout.write(text),
  stderr = (text) => process.stderr.write(text),
  load,
  readImage,
} = {}) {
  const log = (line) => stderr(`${line}\n`);
  try {
    const options = parseOptions(argv);
    if (options.help) { stdout(USAGE); return 0; }
    await requirePath(options.annotations, '--annotations', 'file');
    if (options.results) await requirePath(options.results, '--results', 'file');
    if (!options.results) {
      if (!options.model) {
        const { defaultModel, NO_MODEL_MESSAGE } = await import('./default-model.js');
        options.model = defaultModel() ?? undefined;
        if (!options.model) throw new UsageError(NO_MODEL_MESSAGE);
      }
      await requirePath(options.model, '--model', 'file');
      await requirePath(options.images, '--images', 'dir');
    }

    const annotations = await readJson(options.annotations);
    let results;
    if (options.results) {
      results = await readJson(options.results);
    } else {
      indexGroundTruth(annotations); // a broken annotations file fails before the long run
      results = await runModel(options, annotations, { load, readImage, log });
      if (options.json) {
        await writeFile(options.json, `${JSON.stringify(results)}\n`);
        log(`wrote ${results.length} results to ${options.json}`);
      }
    }
    if (!Array.isArray(results)) throw new Error('the results must be a JSON array of detections');

    // masks are scored only when every result has one; a box stands in for none
    const withMasks = !options.results || results.every((r) => r?.segmentation !== undefined);
    const evaluations = [evaluate(annotations, results, { iouType: 'bbox' })];
    if (withMasks) evaluations.push(evaluate(annotations, results, { iouType: 'segm' }));
    const sections = evaluations.map((e) => `${e.iouType === 'bbox' ? 'Box' : 'Mask'} (${e.iouType}):\n${formatSummary(e.stats, e.iouType)}`);
    sections.push(categoryTable(evaluations));
    stdout(`${sections.join('\n\n')}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      stderr(`maskrcnn-wasm eval: ${error.message}\n(see 'maskrcnn-wasm eval --help')\n`);
      return 2;
    }
    stderr(`maskrcnn-wasm eval: ${error.message}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
