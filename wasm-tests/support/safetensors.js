// A small reader of the safetensors files that models/make_fixtures.py writes (8-byte
// little-endian header length, JSON header, raw little-endian tensors), for the tests only.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

const TYPED = {
  F32: Float32Array,
  U8: Uint8Array,
};

export function readSafetensors(path) {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const dataStart = 8 + headerLength;
  const metadata = header.__metadata__ ?? {};
  const tensors = new Map();
  for (const [name, info] of Object.entries(header)) {
    if (name !== '__metadata__') tensors.set(name, info);
  }
  return {
    bytes,
    metadata,
    names: [...tensors.keys()],
    has: (name) => tensors.has(name),
    /** { shape, values } with values copied into a fresh typed array of the tensor's dtype. */
    tensor(name) {
      const info = tensors.get(name);
      if (!info) throw new Error(`${path}: no tensor '${name}'`);
      const Type = TYPED[info.dtype];
      if (!Type) throw new Error(`${path}: tensor '${name}' has dtype ${info.dtype}, not F32 or U8`);
      const [begin, end] = info.data_offsets;
      const copy = bytes.buffer.slice(bytes.byteOffset + dataStart + begin, bytes.byteOffset + dataStart + end);
      return { shape: info.shape, values: new Type(copy) };
    },
  };
}

/** The file's __metadata__ alone, read without its tensors. */
export function readSafetensorsMetadata(path) {
  const fd = openSync(path, 'r');
  try {
    const prefix = Buffer.alloc(8);
    if (readSync(fd, prefix, 0, 8, 0) !== 8) throw new Error(`${path}: shorter than a safetensors header`);
    const header = Buffer.alloc(Number(prefix.readBigUInt64LE(0)));
    if (readSync(fd, header, 0, header.length, 8) !== header.length) throw new Error(`${path}: header cut short`);
    return JSON.parse(header.toString('utf8')).__metadata__ ?? {};
  } finally {
    closeSync(fd);
  }
}

/** The file's bytes with its "config" metadata changed by edit(config) (tensors untouched). */
export function withConfig(path, edit) {
  const file = readSafetensors(path);
  const config = JSON.parse(file.metadata.config);
  edit(config);
  const view = new DataView(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength);
  const oldLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(file.bytes.subarray(8, 8 + oldLength).toString('utf8'));
  header.__metadata__ = { ...header.__metadata__, config: JSON.stringify(config) };
  let text = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (16 - ((8 + text.length) % 16)) % 16;
  text = Buffer.concat([text, Buffer.alloc(pad, 0x20)]);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(text.length));
  return new Uint8Array(Buffer.concat([prefix, text, file.bytes.subarray(8 + oldLength)]));
}
