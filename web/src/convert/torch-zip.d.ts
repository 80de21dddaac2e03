/** The object a zip-format checkpoint holds. */
export function readTorchZip(bytes: Uint8Array): unknown;
