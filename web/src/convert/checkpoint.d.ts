/** The object a torch checkpoint (zip or legacy format) holds: Maps, arrays, numbers, strings, Tensors. */
export function readCheckpoint(bytes: Uint8Array): unknown;
