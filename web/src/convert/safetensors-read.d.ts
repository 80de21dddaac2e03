export interface SafetensorsHeader {
  header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  metadata: Record<string, string>;
  body: Uint8Array;
}
/** The checked header of safetensors bytes. */
export function readSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader;
/** The tensors (F32 and F16 as Float32Array), checked: offsets contiguous and covering the data. */
export function readSafetensorsTensors(parsed: SafetensorsHeader): Map<string, {
  dtype: 'F32' | 'F16' | 'I8' | 'U8'; shape: number[]; data: Float32Array | Int8Array | Uint8Array;
}>;
