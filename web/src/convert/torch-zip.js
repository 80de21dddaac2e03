// torch.save's zip layout (PyTorch >= 1.6): <folder>/data.pkl (the pickle), <folder>/data/<key>
// (each storage's raw little-endian bytes), <folder>/version, maybe <folder>/byteorder. The
// folder's name is whatever the file was called when saved.
import { DTYPES } from './dtypes.js';
import { ConvertError } from './errors.js';
import { unpickle } from './pickle.js';
import { findGlobal, storageLoader } from './torch-globals.js';
import { entryBytes, readZip } from './zip.js';

function pickleEntry(entries) {
  const found = [...entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (found.length === 0) throw new ConvertError('the zip archive has no <folder>/data.pkl: not a torch checkpoint');
  if (found.length > 1) throw new ConvertError(`the zip archive has ${found.length} data.pkl entries: ${found.join(', ')}`);
  return found[0];
}

/** The object a zip-format checkpoint holds. */
export function readTorchZip(bytes) {
  const entries = readZip(bytes);
  const pkl = pickleEntry(entries);
  const folder = pkl.slice(0, -'data.pkl'.length);
  const byteorder = entryBytes(entries, `${folder}byteorder`);
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') {
    throw new ConvertError('the checkpoint was saved on a big-endian machine (byteorder is not little)');
  }
  const attach = (storage) => {
    const name = `${folder}data/${storage.key}`;
    const data = entryBytes(entries, name);
    if (!data) throw new ConvertError(`storage '${storage.key}': the zip archive has no entry ${name}`);
    const needed = storage.numel * DTYPES[storage.dtype].size;
    if (data.length < needed) {
      throw new ConvertError(`storage '${storage.key}': entry ${name} holds ${data.length} bytes, its ${storage.numel} ${storage.dtype} elements need ${needed}`);
    }
    storage.bytes = data;
  };
  const { value } = unpickle(entryBytes(entries, pkl), {
    findGlobal,
    persistentLoad: storageLoader(new Map(), attach),
    what: pkl,
  });
  return value;
}
