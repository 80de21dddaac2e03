// ConvertOptions is declared once, with the package's public API.
import type { ConvertOptions } from '../index.js';

export type { ConvertOptions };

export interface ConvertedModel {
  /** The model file. */
  bytes: Uint8Array;
  /** Its configuration (architecture, preprocess, postprocess, labels). */
  config: Record<string, unknown>;
  /** Tensors in the model (int8 scales not counted). */
  tensors: number;
  /** Weights stored as int8. */
  int8: number;
}

/** The model file and what it holds. */
export function convertModel(input: Uint8Array | ArrayBuffer | ArrayBufferView, options?: ConvertOptions): Promise<ConvertedModel>;
/** Model-file bytes from a torch checkpoint's bytes (or a model file's, written again with these options). */
export function convert(input: Uint8Array | ArrayBuffer | ArrayBufferView, options?: ConvertOptions): Promise<Uint8Array>;
