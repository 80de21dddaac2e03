/** The weights convert.py --int8 stores as I8. */
export function int8WeightNames(tensors: Map<string, { shape: number[] }>): string[];
/** Per-row symmetric int8 quantization as models/model_file.py's quantize_int8. */
export function quantizeInt8(values: Float32Array, rows: number): { q: Int8Array; scales: Float32Array };
