// torch.save's legacy sequential format (_use_new_zipfile_serialization=False, and every
// checkpoint before PyTorch 1.6, e.g. torchvision's published COCO weights): five pickles in a
// row (the magic number, the protocol version 1001, system information, the object with
// persistent ids for its storages, the list of storage keys), then each storage in that key
// order as an 8-byte little-endian element count and its raw bytes.
import { DTYPES } from './dtypes.js';
import { ConvertError } from './errors.js';
import { unpickle } from './pickle.js';
import { findGlobal, storageLoader } from './torch-globals.js';

const MAGIC = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;

const plain = (what) => ({ findGlobal, what });

/** True when bytes start with a pickle of torch's legacy magic number. */
export function isTorchLegacy(bytes) {
  try {
    return unpickle(bytes, plain('magic number')).value === MAGIC;
  } catch {
    return false;
  }
}

function get(map, key) {
  return map instanceof Map ? map.get(key) : undefined;
}

/** The object a legacy-format checkpoint holds. */
export function readTorchLegacy(bytes) {
  let at = unpickle(bytes, plain('magic number')).end;
  const version = unpickle(bytes, { ...plain('protocol version'), start: at });
  if (version.value !== PROTOCOL_VERSION) throw new ConvertError(`legacy checkpoint with protocol version ${String(version.value)}, expected ${PROTOCOL_VERSION}`);
  const info = unpickle(bytes, { ...plain('system information'), start: version.end });
  if (get(info.value, 'little_endian') !== true) throw new ConvertError('the checkpoint was saved on a big-endian machine');
  const storages = new Map();
  const main = unpickle(bytes, { findGlobal, persistentLoad: storageLoader(storages), what: 'checkpoint pickle', start: info.end });
  const keys = unpickle(bytes, { ...plain('storage keys'), start: main.end });
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    throw new ConvertError('legacy checkpoint: the storage key list is not a list of strings');
  }
  at = keys.end;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys.value) {
    const storage = storages.get(key);
    if (!storage) throw new ConvertError(`legacy checkpoint: storage '${key}' is listed but no tensor uses it`);
    if (storage.bytes) throw new ConvertError(`legacy checkpoint: storage '${key}' is listed twice`);
    if (at + 8 > bytes.length) throw new ConvertError(`truncated checkpoint: the element count of storage '${key}' at byte ${at} is past the end of the ${bytes.length}-byte file`);
    const count = view.getBigUint64(at, true);
    if (count !== BigInt(storage.numel)) {
      throw new ConvertError(`legacy checkpoint: storage '${key}' has ${count} elements in the file, the pickle says ${storage.numel}`);
    }
    const size = storage.numel * DTYPES[storage.dtype].size;
    if (at + 8 + size > bytes.length) {
      throw new ConvertError(`truncated checkpoint: storage '${key}' needs ${size} bytes at byte ${at + 8}, the file has ${bytes.length - at - 8} left`);
    }
    storage.bytes = bytes.subarray(at + 8, at + 8 + size);
    at += 8 + size;
  }
  for (const [key, storage] of storages) {
    if (!storage.bytes) throw new ConvertError(`legacy checkpoint: storage '${key}' is used but not in the file's storage list`);
  }
  return main.value;
}
