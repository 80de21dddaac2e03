import type { RgbaImage } from '../coco/predict.js';

export const USAGE: string;

/**
 * `maskrcnn-wasm eval` with the arguments after `eval`. Resolves to the exit code:
 * 0 done, 1 failed, 2 bad arguments.
 */
export function main(argv: string[], io?: {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** the package's load(); defaults to the Node one (../node.js) */
  load?: (options: { model: Uint8Array; threads: number | 'auto' }) => Promise<{
    segment(image: RgbaImage, options?: { scoreThreshold?: number; maxInstances?: number }): Promise<{ instances: readonly unknown[] }>;
    dispose(): Promise<void>;
  }>;
  /** decodes a PNG or JPEG file to RGBA; defaults to the CLI's reader (./images.js) */
  readImage?: (file: string) => Promise<RgbaImage>;
}): Promise<number>;
