// A maskrcnn-wasm model file given to the converter (to write it again, e.g. as int8): its
// configuration and its tensors as float32, int8 weights dequantized as the engine reads them
// (models/model_file.py's decode_model).
import { ConvertError } from './errors.js';
import { readSafetensorsHeader, readSafetensorsTensors } from './safetensors-read.js';
import { FORMAT_VERSION, MODEL_FORMAT } from './safetensors-write.js';

const SCALES = '.int8_scales';

/** True when bytes look like safetensors with our format entry (checked cheaply). */
export function isModelFile(bytes) {
  try {
    return readSafetensorsHeader(bytes).metadata.format === MODEL_FORMAT;
  } catch {
    return false;
  }
}

function dequantized(tensors) {
  const out = new Map();
  for (const [name, t] of tensors) {
    if (name.endsWith(SCALES)) {
      const base = tensors.get(name.slice(0, -SCALES.length));
      if (!base || base.dtype !== 'I8') throw new ConvertError(`model file: tensor '${name}': int8 scales without an I8 tensor`);
      continue;
    }
    if (t.dtype !== 'I8') {
      out.set(name, t);
      continue;
    }
    const scales = tensors.get(name + SCALES);
    if (!scales || scales.dtype !== 'F32' || t.shape.length < 1 || scales.shape.length !== 1 || scales.shape[0] !== t.shape[0]) {
      throw new ConvertError(`model file: tensor '${name}': I8 tensor without F32 scales of shape [${t.shape.length ? t.shape[0] : '?'}]`);
    }
    if (!scales.data.every((s) => Number.isFinite(s) && s > 0)) throw new ConvertError(`model file: tensor '${name}': int8 scales must be finite and > 0`);
    const rows = t.shape[0];
    const cols = rows ? t.data.length / rows : 0;
    const values = new Float32Array(t.data.length);
    for (let r = 0; r < rows; r++) {
      for (let i = r * cols; i < (r + 1) * cols; i++) values[i] = Math.fround(t.data[i] * scales.data[r]);
    }
    out.set(name, { dtype: 'F32', shape: t.shape, data: values });
  }
  return out;
}

/** { config, tensors: Map name -> { dtype, shape, data } } of model-file bytes. */
export function readModelFile(bytes) {
  const parsed = readSafetensorsHeader(bytes);
  const { metadata } = parsed;
  if (metadata.format !== MODEL_FORMAT) throw new ConvertError(`model file: __metadata__.format is ${JSON.stringify(metadata.format)}, expected '${MODEL_FORMAT}'`);
  if (metadata.format_version !== FORMAT_VERSION) throw new ConvertError(`model file: unsupported format_version ${JSON.stringify(metadata.format_version)}`);
  if (!('config' in metadata)) throw new ConvertError('model file: __metadata__ has no config');
  let config;
  try {
    config = JSON.parse(metadata.config);
  } catch (e) {
    throw new ConvertError(`model file: config is not valid JSON: ${e.message}`);
  }
  if (!config || typeof config !== 'object') throw new ConvertError('model file: config is not a JSON object');
  return { config, tensors: dequantized(readSafetensorsTensors(parsed)) };
}
