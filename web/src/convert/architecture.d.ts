export const ANCHOR_SIZES: number[];
export const ASPECT_RATIOS: number[];

export interface Architecture {
  backbone: 'resnet' | 'mobilenet_v3_large';
  depth?: 18 | 34 | 50 | 101;
  fpn_channels: number;
  box_head: number;
  mask_head_channels: number;
  mask_head_layers: number;
  mask_predictor_channels: number;
  num_classes: number;
  weight_names: 'torchvision' | 'legacy';
  /** The v2 parts (maskrcnn_resnet50_fpn_v2), present only when the model has them. */
  fpn_norm?: 'batch_norm';
  rpn_conv_depth?: number;
  box_head_conv_layers?: number;
  box_head_conv_channels?: number;
  box_head_norm?: 'none' | 'batch_norm';
  mask_head_norm?: 'batch_norm';
}

/** The architecture fields of the v2 parts, in the order the config lists them. */
export const V2_FIELDS: string[];

/** 'torchvision' (names of torchvision >= 0.13) or 'legacy' (the published COCO weights). */
export function detectNaming(shapes: Map<string, number[]>): 'torchvision' | 'legacy';
/** torchvision's _make_divisible(value, 8). */
export function makeDivisible8(value: number): number;
/** The architecture read from the tensor shapes. */
export function inferArchitecture(shapes: Map<string, number[]>): Architecture;
/** Every tensor a model of this architecture has: name -> shape. */
export function expectedShapes(arch: Architecture): Map<string, number[]>;
/** Throws a ConvertError listing unknown, missing and mis-shaped tensors. */
export function checkTensors(shapes: Map<string, number[]>, expected: Map<string, number[]>): void;
