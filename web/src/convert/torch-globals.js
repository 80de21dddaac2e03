// The only globals a checkpoint's pickle may name: torch's tensor rebuild functions, its
// storage classes (inside persistent ids), OrderedDict. Anything else (os.system, a model
// class, numpy scalars, argparse.Namespace) is refused with its name: nothing is executed,
// and nothing unknown is half-read.
import { STORAGE_TYPES } from './dtypes.js';
import { ConvertError } from './errors.js';
import { isTuple, PickleGlobal } from './pickle.js';
import { rebuildTensor, Storage, Tensor } from './tensor.js';

const REFUSAL_HINT = 'a checkpoint may hold only tensors, numbers, strings, lists and dicts';

function args(name, values, min, max = min) {
  if (values.length < min || values.length > max) {
    throw new ConvertError(`${name} called with ${values.length} arguments`);
  }
  return values;
}

function orderedDict(values) {
  args('collections.OrderedDict', values, 0, 1);
  const d = new Map();
  for (const pair of values[0] ?? []) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new ConvertError('collections.OrderedDict called with items that are not pairs');
    d.set(pair[0], pair[1]);
  }
  return d;
}

function tensorData(value, what) {
  if (!(value instanceof Tensor)) throw new ConvertError(`${what} of something that is not a tensor`);
  return value;
}

const TENSOR_TYPES = new Set(['torch.Tensor', 'torch._tensor.Tensor', 'torch.nn.parameter.Parameter']);

function makeGlobals() {
  const g = new Map();
  const add = (module, name, call) => g.set(`${module}.${name}`, new PickleGlobal(module, name, { call }));
  add('collections', 'OrderedDict', orderedDict);
  // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  add('torch._utils', '_rebuild_tensor_v2', (a) => rebuildTensor(...args('torch._utils._rebuild_tensor_v2', a, 6, 7).slice(0, 4)));
  add('torch._utils', '_rebuild_tensor', (a) => rebuildTensor(...args('torch._utils._rebuild_tensor', a, 4)));
  // a Parameter is its data here
  add('torch._utils', '_rebuild_parameter', (a) => tensorData(args('torch._utils._rebuild_parameter', a, 3)[0], '_rebuild_parameter'));
  add('torch._utils', '_rebuild_parameter_with_state', (a) => tensorData(args('torch._utils._rebuild_parameter_with_state', a, 4)[0], '_rebuild_parameter_with_state'));
  // (rebuild function, Tensor or Parameter, its arguments, state)
  add('torch._tensor', '_rebuild_from_type_v2', (a) => {
    const [fn, type, fnArgs] = args('torch._tensor._rebuild_from_type_v2', a, 4);
    if (!(type instanceof PickleGlobal) || !TENSOR_TYPES.has(type.qualifiedName)) {
      throw new ConvertError(`torch._tensor._rebuild_from_type_v2 of a type that is not a tensor: ${type?.qualifiedName ?? typeof type}`);
    }
    if (!(fn instanceof PickleGlobal) || !fn.call || !isTuple(fnArgs)) throw new ConvertError('torch._tensor._rebuild_from_type_v2 without a rebuild function');
    return tensorData(fn.call(fnArgs), '_rebuild_from_type_v2');
  });
  for (const name of TENSOR_TYPES) {
    const dot = name.lastIndexOf('.');
    g.set(name, new PickleGlobal(name.slice(0, dot), name.slice(dot + 1)));
  }
  for (const name of Object.keys(STORAGE_TYPES)) {
    const storage = new PickleGlobal('torch', name);
    storage.storageDtype = STORAGE_TYPES[name];
    g.set(`torch.${name}`, storage);
  }
  const untyped = new PickleGlobal('torch.storage', 'UntypedStorage');
  untyped.storageDtype = 'uint8';
  g.set('torch.storage.UntypedStorage', untyped);
  return g;
}

const GLOBALS = makeGlobals();

export function findGlobal(module, name) {
  const g = GLOBALS.get(`${module}.${name}`);
  if (!g) throw new ConvertError(`refusing pickle global ${module}.${name}: ${REFUSAL_HINT}`);
  return g;
}

/** The element type of a persistent id's storage type (a storage class global: torch.FloatStorage, ...). */
export function storageDtype(type) {
  if (type instanceof PickleGlobal && type.storageDtype) return type.storageDtype;
  throw new ConvertError(`persistent id with an unknown storage type ${type instanceof PickleGlobal ? type.qualifiedName : String(type)}`);
}

/**
 * A persistent_load for torch's storage ids: ('storage', type, key, location, numel[,
 * view_metadata]). storages: Map key -> Storage shared by every reference to a key; attach is
 * called for each new key (the zip reader gives it its bytes at once).
 */
export function storageLoader(storages, attach) {
  return (pid) => {
    if (!isTuple(pid) || pid.length < 5 || pid[0] !== 'storage') {
      const kind = isTuple(pid) && typeof pid[0] === 'string' ? ` '${pid[0]}'` : '';
      throw new ConvertError(`unsupported persistent id${kind} (only storages can be read; a pickled module needs its code)`);
    }
    const [, type, key, , numel, viewMetadata = null] = pid;
    const dtype = storageDtype(type);
    if (typeof key !== 'string' || !/^[\w.-]{1,64}$/.test(key)) throw new ConvertError(`storage with a bad key ${String(key)}`);
    if (!Number.isSafeInteger(numel) || numel < 0) throw new ConvertError(`storage ${key} with a bad element count ${String(numel)}`);
    let storage = storages.get(key);
    if (!storage) {
      storage = new Storage(dtype, numel, key);
      storages.set(key, storage);
      attach?.(storage);
    } else if (storage.dtype !== dtype) {
      throw new ConvertError(`storage ${key} is used as ${storage.dtype} and as ${dtype}`);
    }
    if (viewMetadata !== null) {
      // legacy format: (view_key, offset, size) within the root storage
      if (!isTuple(viewMetadata) || viewMetadata.length !== 3) throw new ConvertError(`storage ${key}: bad view metadata`);
      const [viewKey, offset, size] = viewMetadata;
      return storage.view(offset, size, String(viewKey));
    }
    return storage;
  };
}
