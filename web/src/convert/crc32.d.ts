/** CRC-32 of the bytes (zip's checksum). */
export function crc32(bytes: Uint8Array): number;
