/** True when the bytes start with torch's legacy magic number pickle. */
export function isTorchLegacy(bytes: Uint8Array): boolean;
/** The object a legacy-format checkpoint holds. */
export function readTorchLegacy(bytes: Uint8Array): unknown;
