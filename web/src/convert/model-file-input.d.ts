/** True when the bytes are a maskrcnn-wasm model file (safetensors with its format entry). */
export function isModelFile(bytes: Uint8Array): boolean;
/** A model file's configuration and tensors, int8 weights dequantized. */
export function readModelFile(bytes: Uint8Array): {
  config: Record<string, unknown>;
  tensors: Map<string, { dtype: 'F32' | 'F16' | 'U8'; shape: number[]; data: Float32Array | Uint8Array }>;
};
