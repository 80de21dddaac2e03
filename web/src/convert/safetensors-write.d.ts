export const MODEL_FORMAT: 'maskrcnn-wasm';
export const FORMAT_VERSION: '1';
/** safetensors bytes as models/model_file.py's encode writes them. */
export function encodeSafetensors(
  tensors: ReadonlyArray<{ name: string; dtype: 'F32' | 'F16' | 'I8' | 'U8'; shape: number[]; data: Float32Array | Uint16Array | Int8Array | Uint8Array }>,
  metadata?: Record<string, string>,
): Uint8Array;
