// The model file's configuration from an inferred architecture and the options: convert.py's
// defaults (torchvision's, and those of its 320 MobileNetV3 detector), checks and messages.
// Floats are PyFloat so the JSON is written as Python writes it.
import { ANCHOR_SIZES, ASPECT_RATIOS, V2_FIELDS } from './architecture.js';
import { COCO_LABELS } from './coco-labels.js';
import { ConvertError } from './errors.js';
import { floatRepr, numberRepr, pyFloat } from './python-format.js';

const PREPROCESS = { min_size: 800, max_size: 1333, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], size_divisible: 32 };
// key -> [kind, value]
const POSTPROCESS = [
  ['rpn_pre_nms_top_n', 'int', 1000], ['rpn_post_nms_top_n', 'int', 1000], ['rpn_nms_thresh', 'float', 0.7],
  ['rpn_score_thresh', 'float', 0.0], ['rpn_min_size', 'float', 0.001], ['box_score_thresh', 'float', 0.05],
  ['box_nms_thresh', 'float', 0.5], ['box_detections_per_img', 'int', 100], ['box_min_size', 'float', 0.01],
  ['mask_threshold', 'float', 0.5],
];
// fasterrcnn_mobilenet_v3_large_320_fpn's test-time settings
const MOBILENET_PREPROCESS = { min_size: 320, max_size: 640 };
const MOBILENET_POSTPROCESS = { rpn_pre_nms_top_n: 150, rpn_post_nms_top_n: 150, rpn_score_thresh: 0.05 };

/** The postprocess settings a caller may set: option name -> [config key, kind, lowest]. */
export const POSTPROCESS_OPTIONS = {
  rpnPreNmsTopN: ['rpn_pre_nms_top_n', 'int', 1],
  rpnPostNmsTopN: ['rpn_post_nms_top_n', 'int', 1],
  rpnScoreThresh: ['rpn_score_thresh', 'float', 0.0],
  boxScoreThresh: ['box_score_thresh', 'float', 0.0],
  detectionsPerImg: ['box_detections_per_img', 'int', 1],
};

/** The command-line flag of a setting: box_detections_per_img -> --detections-per-img. */
export function postprocessFlag(key) {
  return `--${key.replace('box_detections', 'detections').replaceAll('_', '-')}`;
}

function postprocessConfig(mobilenet, overrides) {
  const post = {};
  for (const [key, kind, value] of POSTPROCESS) {
    const v = mobilenet && key in MOBILENET_POSTPROCESS ? MOBILENET_POSTPROCESS[key] : value;
    post[key] = kind === 'float' ? pyFloat(v) : v;
  }
  for (const [, [key, kind, lowest]] of Object.entries(POSTPROCESS_OPTIONS)) {
    const value = overrides[key];
    if (value === undefined || value === null) continue;
    const flag = postprocessFlag(key);
    if (typeof value !== 'number') throw new ConvertError(`${flag} must be a number, got ${String(value)}`);
    if (kind === 'int') {
      if (!Number.isInteger(value) || value < lowest) throw new ConvertError(`${flag} must be a whole number >= ${lowest}, got ${numberRepr(value)}`);
      post[key] = value;
    } else {
      if (!(lowest <= value && value <= 1.0)) throw new ConvertError(`${flag} must be between ${floatRepr(lowest)} and 1, got ${floatRepr(value)}`);
      post[key] = pyFloat(value);
    }
  }
  return post;
}

/** The label list (index 0 = background) for a model with numClasses outputs. */
export function resolveLabels(numClasses, labels) {
  if (labels !== undefined && labels !== null) {
    if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) throw new ConvertError('labels must be a list of strings');
    let out = [...labels];
    if (out.length === numClasses - 1) out = ['__background__', ...out];
    if (out.length !== numClasses) {
      throw new ConvertError(`--labels gives ${out.length} names, the model has ${numClasses} classes (expected ${numClasses - 1} names, or ${numClasses} with the background first)`);
    }
    return out;
  }
  if (numClasses === 91) return [...COCO_LABELS];
  return ['__background__', ...Array.from({ length: numClasses - 1 }, (_, i) => `class_${i + 1}`)];
}

function whole(value, name) {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConvertError(`--${name} must be a number, got ${String(value)}`);
  return Math.trunc(value);
}

/**
 * The configuration. arch: inferArchitecture's; options: { labels, minSize, maxSize, bnEps }
 * and the postprocess overrides as config keys ({ rpn_pre_nms_top_n: 50, ... }).
 */
export function buildConfig(arch, { labels, minSize, maxSize, bnEps, postprocess = {} } = {}) {
  const mobilenet = arch.backbone === 'mobilenet_v3_large';
  let eps = bnEps;
  if (eps === undefined || eps === null) eps = arch.weight_names === 'legacy' && !mobilenet ? 0.0 : 1e-5;
  if (typeof eps !== 'number' || !(eps >= 0.0 && Number.isFinite(eps))) {
    throw new ConvertError(`--bn-eps must be a finite number >= 0, got ${typeof eps === 'number' ? floatRepr(eps) : String(eps)}`);
  }
  const preprocess = { ...PREPROCESS, ...(mobilenet ? MOBILENET_PREPROCESS : {}) };
  if (minSize !== undefined && minSize !== null) preprocess.min_size = whole(minSize, 'min-size');
  if (maxSize !== undefined && maxSize !== null) preprocess.max_size = whole(maxSize, 'max-size');
  if (!(preprocess.min_size > 0 && preprocess.min_size <= preprocess.max_size)) {
    throw new ConvertError(`need 0 < min_size <= max_size, got ${preprocess.min_size} and ${preprocess.max_size}`);
  }
  preprocess.mean = preprocess.mean.map(pyFloat);
  preprocess.std = preprocess.std.map(pyFloat);
  const architecture = { backbone: arch.backbone };
  if (!mobilenet) architecture.depth = arch.depth;
  if ('returned_stages' in arch) architecture.returned_stages = arch.returned_stages;
  Object.assign(architecture, {
    bn_eps: pyFloat(eps),
    fpn_channels: arch.fpn_channels,
    anchor_sizes: [...ANCHOR_SIZES],
    aspect_ratios: ASPECT_RATIOS.map(pyFloat),
    box_head: arch.box_head,
    mask_head_channels: arch.mask_head_channels,
    mask_head_layers: arch.mask_head_layers,
    mask_predictor_channels: arch.mask_predictor_channels,
    num_classes: arch.num_classes,
    weight_names: arch.weight_names,
  });
  // the v2 parts, only for a model that has them
  for (const key of V2_FIELDS) if (key in arch) architecture[key] = arch[key];
  return {
    architecture,
    preprocess,
    postprocess: postprocessConfig(mobilenet, postprocess),
    labels: resolveLabels(arch.num_classes, labels),
  };
}
