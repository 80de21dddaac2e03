// Reads safetensors bytes (a model file given to the converter as input), checking what
// models/model_file.py's decode checks: header length, UTF-8 JSON object, no duplicate keys,
// each entry's dtype, shape and offsets, data contiguous and covering the file.
import { ConvertError } from './errors.js';
import { float16Value } from './float16.js';

const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const SIZES = { F32: 4, F16: 2, U8: 1, I8: 1 };

function fail(problem) {
  return new ConvertError(`model file: ${problem}`);
}

function hasDuplicateKeys(text) {
  // JSON.parse keeps the last of duplicate keys; a reviver sees each object once it is built,
  // so compare its key count with the number of keys the text gives it: count at depth 1 only.
  const seen = new Set();
  let depth = 0;
  const rx = /"(?:[^"\\]|\\.)*"|[{}[\]]|:/g;
  let last = null;
  for (let m; (m = rx.exec(text));) {
    const tok = m[0];
    if (tok === '{' || tok === '[') depth++;
    else if (tok === '}' || tok === ']') depth--;
    else if (tok === ':' && depth === 1 && last !== null) {
      if (seen.has(last)) return JSON.parse(last);
      seen.add(last);
    }
    last = tok.startsWith('"') ? tok : null;
  }
  return null;
}

/** { header (name -> entry, in file order), metadata, body (Uint8Array) }. */
export function readSafetensorsHeader(bytes) {
  if (bytes.length < 8) throw fail('shorter than the 8-byte header length');
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES) || 8n + n > BigInt(bytes.length)) throw fail(`header length ${n} exceeds the file size ${bytes.length}`);
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + Number(n)));
  } catch {
    throw fail('header is not UTF-8');
  }
  let header;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw fail(`header is not valid JSON: ${e.message}`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw fail('header is not a JSON object');
  const duplicate = hasDuplicateKeys(text);
  if (duplicate !== null) throw fail(`duplicate key '${duplicate}' in header`);
  const metadata = header.__metadata__ ?? {};
  delete header.__metadata__;
  if (typeof metadata !== 'object' || Array.isArray(metadata) || !Object.values(metadata).every((v) => typeof v === 'string')) {
    throw fail('__metadata__ must map strings to strings');
  }
  return { header, metadata, body: bytes.subarray(8 + Number(n)) };
}

/** Map name -> { dtype, shape, data: Float32Array (F32, F16) | Int8Array | Uint8Array }. */
export function readSafetensorsTensors({ header, body }) {
  const entries = [];
  for (const [name, info] of Object.entries(header)) {
    if (!info || typeof info !== 'object' || Object.keys(info).sort().join() !== 'data_offsets,dtype,shape') {
      throw fail(`tensor '${name}': entry must have dtype, shape, data_offsets`);
    }
    const { dtype, shape, data_offsets: offsets } = info;
    if (!(dtype in SIZES)) throw fail(`tensor '${name}': unsupported dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw fail(`tensor '${name}': bad shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(Number.isSafeInteger) || !(offsets[0] >= 0 && offsets[0] <= offsets[1])) {
      throw fail(`tensor '${name}': bad data_offsets ${JSON.stringify(offsets)}`);
    }
    const nbytes = shape.reduce((a, b) => a * b, SIZES[dtype]);
    if (offsets[1] - offsets[0] !== nbytes) {
      throw fail(`tensor '${name}': data_offsets [${offsets.join(', ')}] hold ${offsets[1] - offsets[0]} bytes, dtype ${dtype} shape [${shape.join(', ')}] needs ${nbytes}`);
    }
    entries.push({ name, dtype, shape, begin: offsets[0], end: offsets[1] });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin !== pos) throw fail(`tensor '${e.name}': data starts at ${e.begin}, expected ${pos} (gap or overlap)`);
    pos = e.end;
  }
  if (pos !== body.length) throw fail(`data section is ${body.length} bytes, tensors cover ${pos}`);
  const out = new Map();
  for (const e of entries) {
    const raw = body.subarray(e.begin, e.end);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const count = raw.length / SIZES[e.dtype];
    let data;
    if (e.dtype === 'F32') {
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i, true);
    } else if (e.dtype === 'F16') {
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = float16Value(view.getUint16(2 * i, true));
    } else {
      data = e.dtype === 'I8' ? new Int8Array(raw.slice().buffer) : raw.slice();
    }
    out.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return out;
}
