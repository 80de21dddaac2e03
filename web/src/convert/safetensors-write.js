// Model-file bytes as models/model_file.py's encode writes them: 8-byte little-endian header
// length, the JSON header (json.dumps(..., ensure_ascii=False, separators=(",", ":")), the
// metadata first), padded with spaces so the data starts at a multiple of 16, then the
// tensors' little-endian bytes in header order.

export const MODEL_FORMAT = 'maskrcnn-wasm';
export const FORMAT_VERSION = '1';
const ALIGN = 16;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const BYTES_PER_ELEMENT = { F32: 4, F16: 2, I8: 1, U8: 1 };

/**
 * tensors: [{ name, dtype: 'F32' | 'F16' | 'I8' | 'U8', shape, data: a typed array of the
 * dtype's width }]; metadata: { key: string }.
 */
export function encodeSafetensors(tensors, metadata) {
  if (!LITTLE_ENDIAN) throw new Error('writing model files needs a little-endian machine');
  const header = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  // JSON.stringify escapes what Python's json.dumps(ensure_ascii=False) does (quotes,
  // backslashes, control characters); keys go in insertion order (no tensor name is an
  // array index).
  const parts = [];
  for (const t of tensors) {
    const size = t.data.length * BYTES_PER_ELEMENT[t.dtype];
    parts.push(`${JSON.stringify(t.name)}:{"dtype":${JSON.stringify(t.dtype)},"shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + size}]}`);
    offset += size;
  }
  const meta = header.__metadata__ ? [`"__metadata__":${JSON.stringify(header.__metadata__)}`] : [];
  let text = new TextEncoder().encode(`{${[...meta, ...parts].join(',')}}`);
  const pad = (ALIGN - ((8 + text.length) % ALIGN)) % ALIGN;
  const out = new Uint8Array(8 + text.length + pad + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length + pad), true);
  out.set(text, 8);
  out.fill(0x20, 8 + text.length, 8 + text.length + pad);
  let at = 8 + text.length + pad;
  text = null;
  for (const t of tensors) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}
