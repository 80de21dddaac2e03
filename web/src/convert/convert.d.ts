/** Options of convert(): those of models/convert.py (defaults: torchvision's for the backbone). */
export interface ConvertOptions {
  /** Store the float tensors as F16 (half the size; computed in float32). */
  fp16?: boolean;
  /** Store convolution and fully connected weights as int8 with a scale per output channel. */
  int8?: boolean;
  /** Class names, with or without '__background__' first (default: COCO's for 91 classes, else class_1, ...). */
  labels?: readonly string[];
  /** Preprocess short side (default 800; 320 for MobileNetV3). */
  minSize?: number;
  /** Preprocess long side cap (default 1333; 640 for MobileNetV3). */
  maxSize?: number;
  /** FrozenBatchNorm eps (default 0 for a ResNet with legacy names, else 1e-5). */
  bnEps?: number;
  /** RPN proposals per level before NMS (default 1000; 150 for MobileNetV3). */
  rpnPreNmsTopN?: number;
  /** RPN proposals kept after NMS (default 1000; 150 for MobileNetV3). */
  rpnPostNmsTopN?: number;
  /** RPN score threshold, 0..1 (default 0; 0.05 for MobileNetV3). */
  rpnScoreThresh?: number;
  /** Detection score threshold, 0..1 (default 0.05). */
  boxScoreThresh?: number;
  /** At most this many detections per image (default 100). */
  detectionsPerImg?: number;
  /** Progress: 'read' while the checkpoint's tensors are read, 'write' while the file is made (done of total tensors). */
  onProgress?: (event: { stage: 'read' | 'write'; done: number; total: number }) => void;
}

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
