// The state_dict inside a checkpoint's object: the object itself, or what it holds under
// "model" (torchvision's reference scripts and models/train.py), without a DataParallel
// "module." prefix; then each entry as a float32 tensor, as convert.py's convert_state_dict.
import { DTYPES } from './dtypes.js';
import { ConvertError } from './errors.js';
import { isTuple } from './pickle.js';
import { numberRepr, stringRepr } from './python-format.js';
import { Tensor } from './tensor.js';

// The most values a state_dict's tensors may hold together (2 GiB as float32; ResNet-101 Mask
// R-CNN has 63 million).
const MAX_MODEL_ELEMENTS = 2 ** 29;

/** Python's type(value).__name__ for the values a pickle gives. */
export function pythonTypeName(value) {
  if (value === null) return 'NoneType';
  if (value instanceof Map) return 'dict';
  if (value instanceof Tensor) return 'Tensor';
  if (value instanceof Uint8Array) return 'bytes';
  if (isTuple(value)) return 'tuple';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint' || Number.isInteger(value)) return 'int';
  if (typeof value === 'number') return 'float';
  return value?.constructor?.name ?? typeof value;
}

function keyRepr(key, depth = 0) {
  if (typeof key === 'string') return stringRepr(key);
  if (typeof key === 'number' || typeof key === 'bigint') return numberRepr(key);
  if (key === null) return 'None';
  if (typeof key === 'boolean') return key ? 'True' : 'False';
  if (isTuple(key)) {
    if (depth > 3) return '(...)'; // a pickle can nest tuples a million deep
    return `(${key.map((k) => keyRepr(k, depth + 1)).join(', ')}${key.length === 1 ? ',' : ''})`;
  }
  return pythonTypeName(key);
}

/** The state_dict (a Map) in a checkpoint's top-level object. */
export function unwrapCheckpoint(obj) {
  if (obj instanceof Map && obj.has('model') && ![...obj.keys()].some((k) => typeof k === 'string' && k.startsWith('backbone.'))) {
    obj = obj.get('model');
  }
  if (!(obj instanceof Map)) throw new ConvertError(`checkpoint holds a ${pythonTypeName(obj)}, not a state_dict`);
  const keys = [...obj.keys()];
  if (keys.length && keys.every((k) => typeof k === 'string' && k.startsWith('module.'))) {
    return new Map([...obj].map(([k, v]) => [k.slice('module.'.length), v])); // saved from DataParallel
  }
  return obj;
}

/** numpy's dtype name of a state_dict value that is not a floating tensor. */
function valueDtype(value) {
  if (value instanceof Tensor) return value.dtype;
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  if (typeof value === 'bigint') return 'object';
  if (typeof value === 'string') return `<U${[...value].length}`;
  return 'object';
}

/**
 * Map name -> { shape, values (Float32Array, contiguous) } in the state_dict's order, without
 * num_batches_tracked; refuses non-string keys and non-floating values as convert.py does.
 */
export function floatTensors(stateDict, progress = () => {}) {
  const out = new Map();
  let done = 0;
  let elements = 0;
  for (const [name, value] of stateDict) {
    progress(done++, stateDict.size);
    if (typeof name !== 'string') throw new ConvertError(`non-string key in state_dict: ${keyRepr(name)}`);
    if (name.endsWith('.num_batches_tracked')) continue;
    if (typeof value === 'number' && !Number.isInteger(value)) {
      out.set(name, { shape: [], values: Float32Array.of(value) }); // np.asarray(0.5): a 0-d float
      continue;
    }
    const dtype = valueDtype(value);
    if (!(value instanceof Tensor) || !DTYPES[dtype]?.floating) {
      throw new ConvertError(`tensor ${name} has dtype ${dtype}, expected floating point`);
    }
    elements += value.numel;
    if (elements > MAX_MODEL_ELEMENTS) {
      throw new ConvertError(`the state_dict's tensors hold more than ${MAX_MODEL_ELEMENTS} values (at ${name}): not a Mask R-CNN`);
    }
    out.set(name, { shape: value.shape, values: value.toFloat32() });
  }
  progress(stateDict.size, stateDict.size);
  return out;
}
