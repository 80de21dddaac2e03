/// <reference lib="dom" />
// maskrcnn-wasm: Mask R-CNN instance segmentation on WebAssembly SIMD, in browsers and Node.
// The declarations of both entry points (web/src/index.js); node.d.ts adds Node's extras.

/** Pixels in Node (and accepted in browsers too): RGBA, row by row, width * height * 4 bytes. */
export interface RgbaImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/** What segment() takes. In Node only RgbaImage (ImageData-shaped objects included). */
export type PixelSource =
  | RgbaImage
  | ImageData
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | HTMLVideoElement
  | ImageBitmap
  | VideoFrame;

export interface ProgressEvent {
  /** 'wasm': the WebAssembly module; 'model': the model file. */
  type: 'wasm' | 'model';
  /** Bytes received so far. */
  loaded: number;
  /** Bytes expected (Content-Length); 0 when the server does not say; never below loaded. */
  total: number;
}

export interface LoadOptions {
  /**
   * The model file (safetensors, optionally gzip-compressed): a URL (relative URLs resolve
   * against the page; in Node also a file path or file: URL), or its bytes. Left out: the
   * package's default model (models/default.safetensors: six shapes, ResNet-34 FPN in int8), which
   * bundlers copy into the app's build.
   */
  model?: string | URL | ArrayBuffer | Uint8Array;
  /**
   * Threads for the engine. 'auto' (default): in a cross-origin isolated page (or in Node) as
   * many as the machine has, up to 8, else 1. A number above 1 in a page that is not
   * cross-origin isolated throws: threads never stay off silently.
   */
  threads?: number | 'auto';
  /** Run the engine in a worker: default true in browsers (the page never freezes), false in Node. */
  worker?: boolean;
  /**
   * Where the .wasm and glue files are, when not beside the package's code (a CDN, a
   * bundler's output): a base URL (or directory in Node) for all, or a URL per file name
   * (e.g. { 'maskrcnn-wasm-simd.wasm': '/assets/x.wasm' }).
   */
  wasmPaths?: string | Record<string, string>;
  /** Download progress of the WebAssembly module and of the model. */
  onProgress?: (event: ProgressEvent) => void;
  /** Aborts the load: it rejects with an Error named 'AbortError'. */
  signal?: AbortSignal;
}

export interface SegmentOptions {
  /** Keep instances scoring at least this, 0..1 (default 0: the model's own filter, 0.05 for torchvision). */
  scoreThreshold?: number;
  /** At most this many instances, the best first (default: the model's, 100 for torchvision). */
  maxInstances?: number;
  /** Binary masks: probability above this, 0..<1 (default: the model's, 0.5). */
  maskThreshold?: number;
  /** Also give each mask as COCO compressed RLE of the whole image (mask.rle). */
  rle?: boolean;
  /** Also give each mask's probabilities (mask.probabilities). */
  probabilities?: boolean;
  /** Cancels the call if it has not started yet (a running call always finishes). */
  signal?: AbortSignal;
}

export interface ToImageDataOptions {
  /** RGBA of the mask's pixels (default [255, 255, 255, 255]); the rest is transparent. */
  color?: [number, number, number, number];
  /** The whole image's size with the mask in place, instead of the mask's box. */
  fullFrame?: boolean;
  /**
   * Soft edges for compositing: the alpha follows the mask probability (none at 0.25 or
   * below, full at 0.75 or above) instead of the binary mask. Needs the probabilities:
   * segment(source, { probabilities: true }); throws a TypeError without them.
   */
  soft?: boolean;
}

/** An instance's mask, local to the rectangle (x, y, width, height) of the image that holds it. */
export interface InstanceMask {
  x: number;
  y: number;
  width: number;
  height: number;
  /** width * height bytes, row by row: 1 inside the instance, 0 outside. */
  data: Uint8Array;
  /** With { rle: true }: the whole-image binary mask as COCO compressed RLE (pycocotools' string, column-major). */
  rle?: string;
  /** With { probabilities: true }: width * height mask probabilities. */
  probabilities?: Float32Array;
  /** The mask as pixels for compositing (an ImageData; in Node an object of the same shape). */
  toImageData(options?: ToImageDataOptions): ImageData;
}

export interface Instance {
  /** x1, y1, x2, y2 in image pixels. */
  box: [number, number, number, number];
  /** Index into Segmenter.labels (0 is background and never appears). */
  label: number;
  className: string;
  score: number;
  mask: InstanceMask;
}

/** Milliseconds spent in each stage, and the whole call. */
export interface Timings {
  preprocess: number;
  backbone: number;
  fpn: number;
  rpn: number;
  boxHead: number;
  maskHead: number;
  paste: number;
  total: number;
}

export interface SegmentResult {
  width: number;
  height: number;
  /** Best score first. */
  instances: Instance[];
  timings: Timings;
}

/** What Segmenter.memoryUsage() reports. */
export interface MemoryUsage {
  /** The engine's WebAssembly memory size in bytes. */
  wasmMemoryBytes: number;
  /** Bytes handed out by the engine's allocator and not yet freed. */
  allocatedBytes: number;
}

export interface Backend {
  /** Always true: the engine needs WebAssembly SIMD128. */
  simd: boolean;
  /** Threads that run (1 without cross-origin isolation in browsers). */
  threads: number;
  /** Whether the engine runs in a worker. */
  worker: boolean;
  /** The WebAssembly build: 'simd', 'simd-threads' (browsers) or 'node'. */
  build: 'simd' | 'simd-threads' | 'node';
}

export interface Segmenter {
  /** Class names by label; labels[0] is the background. */
  readonly labels: readonly string[];
  readonly backend: Readonly<Backend>;
  /** Segments the pixels the source shows now; calls run one at a time, in call order. */
  segment(source: PixelSource, options?: SegmentOptions): Promise<SegmentResult>;
  /**
   * For live video: one frame in flight and at most one waiting; a newer frame replaces the
   * waiting one, whose promise then resolves to null (dropped).
   */
  segmentLatest(source: PixelSource, options?: SegmentOptions): Promise<SegmentResult | null>;
  /** The engine's WebAssembly memory in bytes (it grows and never shrinks). */
  wasmMemoryBytes(): Promise<number>;
  /**
   * The engine's memory now: the WebAssembly memory's size, and the bytes its allocator holds
   * for the model, scratch buffers and results in progress (returns to the same value after
   * every call: what a leak would raise).
   */
  memoryUsage(): Promise<MemoryUsage>;
  /**
   * Frees the engine, its worker and threads. Calls still waiting reject, a waiting
   * segmentLatest frame resolves to null; later calls throw. Calling it again does nothing.
   */
  dispose(): Promise<void>;
}

/** Starts the engine and loads the model; rejects with an Error naming the problem. */
export function load(options?: LoadOptions): Promise<Segmenter>;

export interface DrawOptions {
  /** Mask opacity, 0..1 (default 0.5). */
  opacity?: number;
  /** Draw masks (default true). */
  masks?: boolean;
  /** Draw boxes (default true). */
  boxes?: boolean;
  /** Draw "className score" captions (default true). */
  labels?: boolean;
  /** Soft mask edges from the probabilities (see ToImageDataOptions.soft; default false). */
  soft?: boolean;
}

/** Draws colored masks, boxes and captions, in the result's image coordinates. */
export function drawInstances(
  ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D,
  result: SegmentResult,
  options?: DrawOptions,
): void;

/**
 * Options of convert(): those of models/convert.py, each defaulting to torchvision's value for
 * the backbone (or, for a model file given as input, to that file's setting).
 */
export interface ConvertOptions {
  /** Store the float tensors as F16: half the size, computed in float32 (default false). */
  fp16?: boolean;
  /** Store convolution and fully connected weights as int8 with a scale per output channel (default false). */
  int8?: boolean;
  /** Class names, with or without '__background__' first (default: COCO's for 91 classes, else class_1, ...). */
  labels?: readonly string[];
  /** Preprocess short side (default 800; 320 for MobileNetV3). */
  minSize?: number;
  /** Preprocess long side cap (default 1333; 640 for MobileNetV3). */
  maxSize?: number;
  /** FrozenBatchNorm eps (default 0 for a ResNet with legacy names, else 1e-5). */
  bnEps?: number;
  /** RPN proposals per level before NMS, a whole number >= 1 (default 1000; 150 for MobileNetV3). */
  rpnPreNmsTopN?: number;
  /** RPN proposals kept after NMS, a whole number >= 1 (default 1000; 150 for MobileNetV3). */
  rpnPostNmsTopN?: number;
  /** RPN score threshold, 0..1 (default 0; 0.05 for MobileNetV3). */
  rpnScoreThresh?: number;
  /** Detection score threshold, 0..1 (default 0.05). */
  boxScoreThresh?: number;
  /** At most this many detections per image, a whole number >= 1 (default 100). */
  detectionsPerImg?: number;
  /**
   * Called as the conversion goes: stage 'read' while the checkpoint's tensors are read,
   * 'write' while the model file is made; done of total tensors. The conversion itself runs
   * without pausing: in a page, run it in a worker (see the demo) to keep the page responsive.
   */
  onProgress?: (event: ConvertProgressEvent) => void;
}

export interface ConvertProgressEvent {
  stage: 'read' | 'write';
  /** Tensors done so far. */
  done: number;
  total: number;
}

/**
 * A model file (the bytes load() takes) from a torchvision Mask R-CNN checkpoint's bytes — a
 * state_dict or a dict holding it under 'model', as torch.save writes it (zip or legacy format)
 * — or from a model file's, written again with these options. The same file as
 * models/convert.py writes. The checkpoint is read without executing anything; a file naming
 * anything but tensors, numbers, strings, lists and dicts is refused. Rejects with an Error
 * named 'ConvertError' whose message names the problem.
 */
export function convert(checkpoint: Uint8Array | ArrayBuffer, options?: ConvertOptions): Promise<Uint8Array>;
