// maskrcnn-wasm convert CHECKPOINT OUT: a torchvision Mask R-CNN checkpoint to a model file,
// in JavaScript (no Python): the same file models/convert.py writes, with its options.
import { existsSync, statSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import { convertModel } from '../convert/convert.js';
import { ConvertError } from '../convert/errors.js';
import { floatRepr } from '../convert/python-format.js';
import { parseCommandLine, UsageError } from './args.js';

export const USAGE = `usage: maskrcnn-wasm convert CHECKPOINT OUT [options]

Converts a torchvision Mask R-CNN checkpoint (a state_dict, or a dict holding it under
'model', saved by torch.save in either format) to a model file (.safetensors). The
architecture (ResNet 18/34/50/101 or MobileNetV3-Large FPN, head sizes, classes) is read
from the tensor shapes. CHECKPOINT may also be a model file, written again with the options
(e.g. --int8); its settings stay unless an option changes them. Nothing in the checkpoint is
executed: a file naming anything but tensors, numbers, strings, lists and dicts is refused.

  --fp16                    store weights as F16 (half the size)
  --int8                    store convolution and fully connected weights as int8 with a
                            scale per output channel (the rest as --fp16 says)
  --labels FILE|a,b,c       class names: a file with one per line, or a comma-separated list
                            (default: COCO's for 91 classes, else class_1, class_2, ...)
  --min-size N              preprocess short side (default 800; 320 for MobileNetV3)
  --max-size N              preprocess long side cap (default 1333; 640 for MobileNetV3)
  --bn-eps E                BatchNorm eps (default 0.0 for a ResNet with legacy names, else
                            1e-5; 0.001 for a MobileNetV3 built with its own default norm)
  --rpn-pre-nms-top-n N     RPN proposals per level before NMS (default 1000; 150 for MobileNetV3)
  --rpn-post-nms-top-n N    RPN proposals after NMS (default 1000; 150 for MobileNetV3)
  --rpn-score-thresh T      RPN score threshold (default 0; 0.05 for MobileNetV3)
  --box-score-thresh T      detection score threshold (default 0.05)
  --detections-per-img N    at most N detections per image (default 100)
  -h, --help                this help`;

const SPEC = {
  fp16: { type: 'boolean' },
  int8: { type: 'boolean' },
  labels: { type: 'string' },
  'min-size': { type: 'integer' },
  'max-size': { type: 'integer' },
  'bn-eps': { type: 'number' },
  'rpn-pre-nms-top-n': { type: 'integer' },
  'rpn-post-nms-top-n': { type: 'integer' },
  'rpn-score-thresh': { type: 'number' },
  'box-score-thresh': { type: 'number' },
  'detections-per-img': { type: 'integer' },
  help: { type: 'boolean', short: 'h' },
};

/** Class names from a file (one per line) or a comma-separated list, as convert.py reads them. */
export async function parseLabels(spec) {
  let names;
  if (existsSync(spec) && statSync(spec).isFile()) {
    names = (await readFile(spec, 'utf8')).split(/\r\n|\r|\n/).map((line) => line.trim());
    if (names.at(-1) === '') names.pop(); // the text after the last newline
    while (names.length && names.at(-1) === '') names.pop();
  } else {
    names = spec.split(',').map((s) => s.trim());
  }
  if (names.some((n) => n === '')) throw new ConvertError(`--labels: empty class name in '${spec}'`);
  return names;
}

function summary(out, result, bytes, fp16) {
  const a = result.config.architecture;
  const backbone = a.depth !== undefined ? `resnet${a.depth}` : a.backbone;
  const int8 = result.int8 ? ` (${result.int8} weights int8)` : '';
  return `wrote ${out}: ${backbone} FPN ${a.fpn_channels}, box head ${a.box_head}, mask head ` +
    `${a.mask_head_layers}x${a.mask_head_channels}, ${a.num_classes} classes, ${a.weight_names} names, ` +
    `bn_eps ${floatRepr(a.bn_eps)}, ${result.tensors} tensors ${fp16 ? 'F16' : 'F32'}${int8}, ${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

export async function main(argv, { stdout = process.stdout, stderr = process.stderr } = {}) {
  const { values, positionals } = parseCommandLine(argv, SPEC, [0, 2]);
  if (values.help) {
    stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length < 2) throw new UsageError('convert: needs CHECKPOINT and OUT');
  const [input, out] = positionals;
  try {
    if (!existsSync(input) || !statSync(input).isFile()) throw new ConvertError(`no such checkpoint file: ${input}`);
    const outDir = dirname(out);
    if (!existsSync(outDir) || !statSync(outDir).isDirectory()) throw new ConvertError(`cannot write ${out}: no such directory ${outDir}`);
    const options = {
      fp16: values.fp16 ?? false,
      int8: values.int8 ?? false,
      labels: values.labels !== undefined ? await parseLabels(values.labels) : undefined,
      minSize: values['min-size'],
      maxSize: values['max-size'],
      bnEps: values['bn-eps'],
      rpnPreNmsTopN: values['rpn-pre-nms-top-n'],
      rpnPostNmsTopN: values['rpn-post-nms-top-n'],
      rpnScoreThresh: values['rpn-score-thresh'],
      boxScoreThresh: values['box-score-thresh'],
      detectionsPerImg: values['detections-per-img'],
    };
    const bytes = await readFile(input);
    stderr.write(`converting ${input} (${(bytes.length / 2 ** 20).toFixed(1)} MiB)\n`);
    const result = await convertModel(bytes, options);
    // a temporary name, then a rename: a half-written file never looks complete
    const tmp = `${out}.tmp${process.pid}`;
    try {
      await writeFile(tmp, result.bytes);
      await rename(tmp, out);
    } catch (e) {
      await rm(tmp, { force: true });
      throw new ConvertError(`cannot write ${out}: ${e.code ?? e.message}`);
    }
    stdout.write(`${summary(out, result, result.bytes.length, options.fp16)}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof ConvertError)) throw e;
    stderr.write(`maskrcnn-wasm convert: error: ${e.message}\n`);
    return 2;
  }
}
