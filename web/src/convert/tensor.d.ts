export const MAX_TENSOR_ELEMENTS: number;
export class Storage {
  constructor(dtype: string, numel: number, key: string);
  readonly dtype: string;
  readonly numel: number;
  readonly key: string;
  bytes: Uint8Array | null;
  view(offset: number, numel: number, key: string): Storage;
  data(): Uint8Array;
}
export class Tensor {
  readonly storage: Storage;
  readonly dtype: string;
  readonly offset: number;
  readonly shape: number[];
  readonly stride: number[];
  readonly numel: number;
  /** Contiguous float32 values (floating dtypes). */
  toFloat32(): Float32Array;
}
/** torch's _rebuild_tensor_v2, with every reachable element checked against the storage. */
export function rebuildTensor(storage: Storage, offset: number, shape: number[], stride: number[]): Tensor;
