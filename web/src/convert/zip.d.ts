export interface ZipEntry {
  data: Uint8Array;
  crc: number;
}
/** True when the bytes start with a zip local header. */
export function isZip(bytes: Uint8Array): boolean;
/** The stored entries of a zip archive (checked offsets; compressed entries refused). */
export function readZip(bytes: Uint8Array): Map<string, ZipEntry>;
/** An entry's bytes after its CRC-32 check (undefined when absent). */
export function entryBytes(entries: Map<string, ZipEntry>, name: string): Uint8Array | undefined;
