// A torchvision Mask R-CNN checkpoint (or a model file) to model-file bytes, as
// models/convert.py writes them: the same tensors, dtypes, bytes and configuration JSON.
import { gunzip, isGzip } from '../io/gzip.js';
import { checkTensors, expectedShapes, inferArchitecture } from './architecture.js';
import { readCheckpoint } from './checkpoint.js';
import { buildConfig, POSTPROCESS_OPTIONS } from './config.js';
import { ConvertError } from './errors.js';
import { toFloat16Bits } from './float16.js';
import { int8WeightNames, quantizeInt8 } from './int8.js';
import { isModelFile, readModelFile } from './model-file-input.js';
import { pythonJson, stringRepr } from './python-format.js';
import { encodeSafetensors, FORMAT_VERSION, MODEL_FORMAT } from './safetensors-write.js';
import { floatTensors, unwrapCheckpoint } from './state-dict.js';

const OPTIONS = new Set(['fp16', 'int8', 'labels', 'minSize', 'maxSize', 'bnEps', ...Object.keys(POSTPROCESS_OPTIONS), 'onProgress']);

function asBytes(input) {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new ConvertError('convert() takes the checkpoint as a Uint8Array or ArrayBuffer');
}

function checkOptions(options) {
  for (const key of Object.keys(options)) {
    if (!OPTIONS.has(key)) throw new ConvertError(`unknown option ${key} (known: ${[...OPTIONS].join(', ')})`);
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new ConvertError('onProgress must be a function');
}

/** { tensors: Map name -> { shape, values }, defaults } of a model file's bytes. */
function fromModelFile(bytes) {
  const { config, tensors } = readModelFile(bytes);
  const out = new Map();
  for (const [name, t] of tensors) {
    if (t.dtype === 'U8') throw new ConvertError(`tensor ${name} has dtype uint8, expected floating point`);
    out.set(name, { shape: t.shape, values: t.data });
  }
  // its settings stay unless the options say otherwise
  const post = config.postprocess ?? {};
  const defaults = {
    labels: config.labels,
    minSize: config.preprocess?.min_size,
    maxSize: config.preprocess?.max_size,
    bnEps: config.architecture?.bn_eps,
    postprocess: Object.fromEntries(Object.values(POSTPROCESS_OPTIONS).map(([key]) => [key, post[key]])),
  };
  return { tensors: out, defaults };
}

function encodeTensors(tensors, { fp16, int8 }, progress) {
  const quantized = new Set(int8 ? int8WeightNames(tensors) : []);
  const out = [];
  for (const [name, { shape, values }] of tensors) {
    progress(out.length);
    if (quantized.has(name)) {
      if (!values.every(Number.isFinite)) throw new ConvertError(`tensor ${stringRepr(name)}: non-finite values`);
      const { q, scales } = quantizeInt8(values, shape[0]);
      out.push({ name, dtype: 'I8', shape, data: q }, { name: `${name}.int8_scales`, dtype: 'F32', shape: [shape[0]], data: scales });
    } else if (fp16) {
      const bits = toFloat16Bits(values);
      if (bits.some((h) => (h & 0x7c00) === 0x7c00)) throw new ConvertError(`tensor ${stringRepr(name)}: non-finite values after conversion to F16`);
      out.push({ name, dtype: 'F16', shape, data: bits });
    } else {
      if (!values.every(Number.isFinite)) throw new ConvertError(`tensor ${stringRepr(name)}: non-finite values`);
      out.push({ name, dtype: 'F32', shape, data: values });
    }
  }
  progress(tensors.size);
  return { out, int8Count: quantized.size };
}

/**
 * Converts, and says what it made: { bytes, config (as written, plain JSON), tensors (count
 * before int8 scales), int8 (weights stored as I8) }.
 */
export async function convertModel(input, options = {}) {
  checkOptions(options);
  const report = (stage) => (done, total) => options.onProgress?.({ stage, done, total });
  let bytes = asBytes(input);
  if (isGzip(bytes)) {
    bytes = await gunzip(bytes).catch((e) => { throw new ConvertError(e.message); });
    if (!isModelFile(bytes)) throw new ConvertError('a gzip file that is not a maskrcnn-wasm model file');
  }
  let tensors;
  let defaults = { postprocess: {} };
  if (isModelFile(bytes)) {
    ({ tensors, defaults } = fromModelFile(bytes));
  } else {
    tensors = floatTensors(unwrapCheckpoint(readCheckpoint(bytes)), report('read'));
  }
  const shapes = new Map([...tensors].map(([name, t]) => [name, t.shape]));
  const arch = inferArchitecture(shapes);
  checkTensors(shapes, expectedShapes(arch));
  const pick = (key) => options[key] ?? defaults[key];
  const postprocess = {};
  for (const [option, [key]] of Object.entries(POSTPROCESS_OPTIONS)) postprocess[key] = options[option] ?? defaults.postprocess[key];
  const config = buildConfig(arch, {
    labels: pick('labels'), minSize: pick('minSize'), maxSize: pick('maxSize'), bnEps: pick('bnEps'), postprocess,
  });
  const write = report('write');
  const { out, int8Count } = encodeTensors(tensors, { fp16: Boolean(options.fp16), int8: Boolean(options.int8) }, (done) => write(done, tensors.size));
  const configJson = pythonJson(config);
  const metadata = { format: MODEL_FORMAT, format_version: FORMAT_VERSION, config: configJson };
  return { bytes: encodeSafetensors(out, metadata), config: JSON.parse(configJson), tensors: tensors.size, int8: int8Count };
}

/** Model-file bytes from a torch checkpoint's (or a model file's) bytes; see index.d.ts. */
export async function convert(input, options = {}) {
  return (await convertModel(input, options)).bytes;
}
