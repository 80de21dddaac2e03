/** Python's type name of a value a pickle gives. */
export function pythonTypeName(value: unknown): string;
/** The state_dict in a checkpoint's object (itself, or under 'model'; 'module.' prefixes removed). */
export function unwrapCheckpoint(obj: unknown): Map<unknown, unknown>;
/** Each tensor as contiguous float32, without num_batches_tracked. */
export function floatTensors(stateDict: Map<unknown, unknown>, progress?: (done: number, total: number) => void): Map<string, { shape: number[]; values: Float32Array }>;
