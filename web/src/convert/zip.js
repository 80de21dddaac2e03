// The zip archives torch.save writes (PyTorch >= 1.6): stored (uncompressed) entries, found
// through the central directory (the local headers carry padding in their extra fields), zip64
// records when the archive is large. Every offset and size is checked against the file.
import { crc32 } from './crc32.js';
import { ConvertError } from './errors.js';

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;

export function isZip(bytes) {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

function fail(problem) {
  return new ConvertError(`damaged zip archive: ${problem}`);
}

function view(bytes) {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(dv, at) {
  const value = dv.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw fail(`a 64-bit size or offset (${value}) is out of range`);
  return Number(value);
}

function findEndRecord(bytes, dv) {
  const lowest = Math.max(0, bytes.length - 22 - MAX_COMMENT);
  for (let at = bytes.length - 22; at >= lowest; at--) {
    if (dv.getUint32(at, true) === EOCD && at + 22 + dv.getUint16(at + 20, true) === bytes.length) return at;
  }
  throw fail('no end of central directory record (a truncated file, or not a zip archive)');
}

/** { entries, directoryOffset }: the central directory's place and entry count. */
function directoryPlace(bytes, dv) {
  const end = findEndRecord(bytes, dv);
  let count = dv.getUint16(end + 10, true);
  let size = dv.getUint32(end + 12, true);
  let offset = dv.getUint32(end + 16, true);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || dv.getUint32(locator, true) !== ZIP64_LOCATOR) throw fail('zip64 end record locator missing');
    const record = u64(dv, locator + 8);
    if (record + 56 > locator || dv.getUint32(record, true) !== ZIP64_EOCD) throw fail('zip64 end of central directory record missing');
    count = u64(dv, record + 32);
    size = u64(dv, record + 40);
    offset = u64(dv, record + 48);
  }
  if (offset + size > bytes.length) throw fail(`central directory (${size} bytes at ${offset}) runs past the end of the ${bytes.length}-byte file`);
  return { count, offset, end: offset + size };
}

function zip64Values(dv, at, length, wanted) {
  // the zip64 extra field (id 1) holds, in order, those of these that are 0xffffffff
  const out = { ...wanted };
  for (let p = at; p + 4 <= at + length;) {
    const id = dv.getUint16(p, true);
    const size = dv.getUint16(p + 2, true);
    if (p + 4 + size > at + length) throw fail('extra field runs past its entry');
    if (id === 1) {
      let q = p + 4;
      for (const key of ['uncompressed', 'compressed', 'localOffset']) {
        if (wanted[key] !== 0xffffffff) continue;
        if (q + 8 > p + 4 + size) throw fail('zip64 extra field too short');
        out[key] = u64(dv, q);
        q += 8;
      }
    }
    p += 4 + size;
  }
  return out;
}

/**
 * The entries of a zip archive: Map name -> Uint8Array (views into bytes), each checked
 * against its CRC-32. Only stored entries are read; compressed or encrypted ones are refused.
 */
export function readZip(bytes) {
  const dv = view(bytes);
  const place = directoryPlace(bytes, dv);
  const entries = new Map();
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let at = place.offset;
  for (let i = 0; i < place.count; i++) {
    if (at + 46 > place.end || dv.getUint32(at, true) !== CENTRAL) throw fail(`central directory entry ${i} is damaged`);
    const flags = dv.getUint16(at + 8, true);
    const method = dv.getUint16(at + 10, true);
    const crc = dv.getUint32(at + 16, true);
    const nameLength = dv.getUint16(at + 28, true);
    const extraLength = dv.getUint16(at + 30, true);
    const commentLength = dv.getUint16(at + 32, true);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > place.end) throw fail(`central directory entry ${i} runs past the directory`);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const sizes = zip64Values(dv, at + 46 + nameLength, extraLength, {
      compressed: dv.getUint32(at + 20, true),
      uncompressed: dv.getUint32(at + 24, true),
      localOffset: dv.getUint32(at + 42, true),
    });
    if (flags & 1) throw new ConvertError(`zip entry ${name} is encrypted`);
    if (method !== 0) {
      throw new ConvertError(`zip entry ${name} is compressed (method ${method}); torch.save writes stored entries, re-save the checkpoint with torch.save`);
    }
    if (sizes.compressed !== sizes.uncompressed) throw fail(`entry ${name}: stored sizes differ (${sizes.compressed} and ${sizes.uncompressed})`);
    const local = sizes.localOffset;
    if (local + 30 > bytes.length || dv.getUint32(local, true) !== LOCAL) throw fail(`entry ${name}: no local header at ${local}`);
    const dataStart = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    if (dataStart + sizes.compressed > bytes.length) {
      throw fail(`entry ${name}: ${sizes.compressed} bytes at ${dataStart} run past the end of the ${bytes.length}-byte file (truncated?)`);
    }
    if (entries.has(name)) throw fail(`entry ${name} appears twice`);
    const data = bytes.subarray(dataStart, dataStart + sizes.compressed);
    entries.set(name, { data, crc });
    at = next;
  }
  return entries;
}

/** An entry's bytes after checking its CRC-32. */
export function entryBytes(entries, name) {
  const entry = entries.get(name);
  if (!entry) return undefined;
  if (!entry.checked) {
    if (crc32(entry.data) !== entry.crc) throw fail(`entry ${name} fails its CRC-32 check (corrupt data)`);
    entry.checked = true;
  }
  return entry.data;
}
