// The architecture of a torchvision Mask R-CNN read from its tensor shapes, and the full list
// of tensors (name -> shape) such a model has: convert.py's naming detection,
// infer_architecture and expected_shapes, with the same errors.
import { ConvertError } from './errors.js';
import { listRepr } from './python-format.js';

export const ANCHOR_SIZES = [32, 64, 128, 256, 512];
export const ASPECT_RATIOS = [0.5, 1.0, 2.0];
const ROI_SIZE = 7;
// [block, blocks per layer, depth]
const DEPTHS = [
  ['basic', [2, 2, 2, 2], 18],
  ['basic', [3, 4, 6, 3], 34],
  ['bottleneck', [3, 4, 6, 3], 50],
  ['bottleneck', [3, 4, 23, 3], 101],
];
const MAX_LISTED = 12;

// torchvision's mobilenet_v3_large() blocks as its detection builder makes them: input, kernel,
// expanded, output, squeeze-excitation, stride.
const MOBILENET_V3_LARGE = [
  [16, 3, 16, 16, false, 1], [16, 3, 64, 24, false, 2], [24, 3, 72, 24, false, 1],
  [24, 5, 72, 40, true, 2], [40, 5, 120, 40, true, 1], [40, 5, 120, 40, true, 1],
  [40, 3, 240, 80, false, 2], [80, 3, 200, 80, false, 1], [80, 3, 184, 80, false, 1],
  [80, 3, 184, 80, false, 1], [80, 3, 480, 112, true, 1], [112, 3, 672, 112, true, 1],
  [112, 5, 672, 160, true, 2], [160, 5, 960, 160, true, 1], [160, 5, 960, 160, true, 1],
];
const MOBILENET_STEM = 16;
const MOBILENET_LAST = 960;
// _mobilenet_extractor's stage_indices: [0] + the stride-2 blocks + [last]; by default its FPN
// takes the last two stages (returned_layers)
const MOBILENET_STAGES = [0, ...MOBILENET_V3_LARGE.flatMap((b, i) => (b[5] > 1 ? [i + 1] : [])), MOBILENET_V3_LARGE.length + 1];
const MOBILENET_DEFAULT_RETURNED = [MOBILENET_STAGES.length - 2, MOBILENET_STAGES.length - 1];
const MAX_FPN_INPUTS = 4; // the engine's FPN: at most four stages and the pool level

/** Python's sorted() and the first MAX_LISTED of them. */
function listing(names) {
  const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let shown = sorted.slice(0, MAX_LISTED).join(', ');
  if (sorted.length > MAX_LISTED) shown += `, ... (${sorted.length - MAX_LISTED} more)`;
  return shown;
}

// --- naming ------------------------------------------------------------------------------

// Each group of renamed modules: [torchvision name of a probe tensor, legacy name of it].
const NAMING_PROBES = [
  ['FPN', 'backbone.fpn.inner_blocks.0.0.weight', 'backbone.fpn.inner_blocks.0.weight'],
  ['RPN head', 'rpn.head.conv.0.0.weight', 'rpn.head.conv.weight'],
  ['mask head', 'roi_heads.mask_head.0.0.weight', 'roi_heads.mask_head.mask_fcn1.weight'],
];

/** "torchvision" (names of torchvision >= 0.13) or "legacy" (the published COCO weights). */
export function detectNaming(shapes) {
  const found = [];
  for (const [group, fresh, old] of NAMING_PROBES) {
    if (shapes.has(fresh) && !shapes.has(old)) found.push([group, 'torchvision']);
    else if (shapes.has(old) && !shapes.has(fresh)) found.push([group, 'legacy']);
    else if (shapes.has(fresh)) throw new ConvertError(`${group}: both ${fresh} and ${old} present`);
    else throw new ConvertError(`missing tensor: ${fresh} (or legacy ${old})`);
  }
  const kinds = new Set(found.map(([, kind]) => kind));
  if (kinds.size > 1) throw new ConvertError(`mixed weight naming: ${found.map(([g, k]) => `${g} uses ${k} names`).join(', ')}`);
  return found[0][1];
}

const fpnName = (block, i, legacy, kind) => (legacy ? `backbone.fpn.${block}.${i}.${kind}` : `backbone.fpn.${block}.${i}.0.${kind}`);
const maskHeadName = (i, legacy, kind) => (legacy ? `roi_heads.mask_head.mask_fcn${i + 1}.${kind}` : `roi_heads.mask_head.${i}.0.${kind}`);

// --- architecture ------------------------------------------------------------------------

function shapeOf(shapes, name) {
  if (!shapes.has(name)) throw new ConvertError(`missing tensor: ${name}`);
  return shapes.get(name);
}

function dim(shapes, name, axis) {
  const shape = shapeOf(shapes, name);
  if (shape.length <= axis) throw new ConvertError(`mis-shaped tensor: ${name} has shape ${listRepr(shape)}`);
  return shape[axis];
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Number of consecutive indices i >= 0 with some name matching prefix + i + pattern. */
function countIndexed(shapes, prefix, pattern) {
  const rx = new RegExp(`^${escapeRegExp(prefix)}(\\d+)${pattern}`);
  const indices = new Set();
  for (const name of shapes.keys()) {
    const m = rx.exec(name);
    if (m) indices.add(Number(m[1]));
  }
  let n = 0;
  while (indices.has(n)) n++;
  return n;
}

/** torchvision's _make_divisible(value, 8). */
export function makeDivisible8(value) {
  const rounded = Math.max(8, Math.floor(Math.trunc(value + 4) / 8) * 8);
  return rounded < 0.9 * value ? rounded + 8 : rounded;
}

/** Output channels of features[index] of mobilenet_v3_large. */
function mobilenetChannels(index) {
  if (index === 0) return MOBILENET_STEM;
  if (index === MOBILENET_V3_LARGE.length + 1) return MOBILENET_LAST;
  return MOBILENET_V3_LARGE[index - 1][3];
}

/** The extractor's returned_layers, from the input channels of the FPN's inner blocks (each
 * stage of mobilenet_v3_large has its own channel count). */
function inferReturnedStages(shapes, legacy) {
  const stageOf = new Map(MOBILENET_STAGES.map((index, k) => [mobilenetChannels(index), k]));
  let inputs = 0;
  while (shapes.has(fpnName('inner_blocks', inputs, legacy, 'weight'))) inputs++;
  if (inputs === 0 || inputs > MAX_FPN_INPUTS) {
    throw new ConvertError(`unsupported MobileNetV3 FPN: ${inputs} inner blocks (1 to ${MAX_FPN_INPUTS} returned stages)`);
  }
  const stages = [];
  for (let i = 0; i < inputs; i++) {
    const name = fpnName('inner_blocks', i, legacy, 'weight');
    const channels = dim(shapes, name, 1);
    if (!stageOf.has(channels)) {
      const known = [...stageOf.keys()].sort((a, b) => a - b).join(', ');
      throw new ConvertError(`unsupported MobileNetV3 FPN: ${name} takes ${channels} channels, which no stage of mobilenet_v3_large gives (${known})`);
    }
    stages.push(stageOf.get(channels));
  }
  if (stages.some((k, i) => i > 0 && k <= stages[i - 1])) {
    throw new ConvertError(`unsupported MobileNetV3 FPN: its inner blocks take stages ${listRepr(stages)}, not in increasing order`);
  }
  return stages;
}

function isMobilenet(shapes) {
  return shapes.has('backbone.body.0.0.weight') && !shapes.has('backbone.body.conv1.weight');
}

// The architecture fields of the v2 parts, in the order the config lists them; each is written
// only when the model has it (a v1 model's config is unchanged).
export const V2_FIELDS = ['fpn_norm', 'rpn_conv_depth', 'box_head_conv_layers', 'box_head_conv_channels', 'box_head_norm', 'mask_head_norm'];

/**
 * The parts maskrcnn_resnet50_fpn_v2 changes, only those that differ from v1: BatchNorm after
 * the FPN convolutions, the RPN head's number of 3x3 convolutions, a FastRCNNConvFCHead box
 * head (3x3 convolutions, then one fully connected layer) and BatchNorm in the mask head.
 * Legacy names only exist for v1.
 */
function inferV2Parts(shapes, legacy) {
  if (legacy) return {};
  const parts = {};
  if (shapes.has('backbone.fpn.inner_blocks.0.1.weight')) parts.fpn_norm = 'batch_norm';
  const rpnDepth = countIndexed(shapes, 'rpn.head.conv.', '\\.0\\.weight$');
  if (rpnDepth !== 1) parts.rpn_conv_depth = rpnDepth;
  if (!shapes.has('roi_heads.box_head.fc6.weight')) {
    const layers = countIndexed(shapes, 'roi_heads.box_head.', '\\.0\\.weight$');
    if (layers === 0) {
      throw new ConvertError('missing tensor: roi_heads.box_head.fc6.weight (or roi_heads.box_head.0.0.weight of a convolutional box head)');
    }
    parts.box_head_conv_layers = layers;
    parts.box_head_conv_channels = dim(shapes, 'roi_heads.box_head.0.0.weight', 0);
    parts.box_head_norm = shapes.has('roi_heads.box_head.0.1.weight') ? 'batch_norm' : 'none';
  }
  if (shapes.has('roi_heads.mask_head.0.1.weight')) parts.mask_head_norm = 'batch_norm';
  return parts;
}

/** The box head's first fully connected layer: TwoMLPHead's fc6, or the Linear after a
 * FastRCNNConvFCHead's convolutions and its Flatten module. */
function boxHeadFcName(arch, kind) {
  const layers = arch.box_head_conv_layers ?? 0;
  return layers ? `roi_heads.box_head.${layers + 1}.${kind}` : `roi_heads.box_head.fc6.${kind}`;
}

function inferHeads(shapes, legacy) {
  const parts = inferV2Parts(shapes, legacy);
  let maskLayers = 0; // legacy names are 1-based (mask_fcn1, ...), new ones 0-based
  while (['weight', 'bias'].some((k) => shapes.has(maskHeadName(maskLayers, legacy, k)))) maskLayers++;
  return {
    fpn_channels: dim(shapes, fpnName('inner_blocks', 0, legacy, 'weight'), 0),
    box_head: dim(shapes, boxHeadFcName(parts, 'weight'), 0),
    mask_head_channels: dim(shapes, maskHeadName(0, legacy, 'weight'), 0),
    mask_head_layers: maskLayers,
    mask_predictor_channels: dim(shapes, 'roi_heads.mask_predictor.conv5_mask.weight', 1),
    num_classes: dim(shapes, 'roi_heads.box_predictor.cls_score.weight', 0),
    weight_names: legacy ? 'legacy' : 'torchvision',
    ...parts,
  };
}

function checkAnchors(shapes, sizesPerLevel) {
  const anchors = dim(shapes, 'rpn.head.cls_logits.weight', 0);
  const expected = sizesPerLevel * ASPECT_RATIOS.length;
  if (anchors !== expected) {
    throw new ConvertError(`unsupported RPN: rpn.head.cls_logits.weight has ${anchors} anchors per location, expected ${expected}`);
  }
}

/** The architecture (without bn_eps) from a Map name -> shape. */
export function inferArchitecture(shapes) {
  const legacy = detectNaming(shapes) === 'legacy';
  if (isMobilenet(shapes)) {
    checkAnchors(shapes, ANCHOR_SIZES.length); // all five sizes on each level
    const returned = inferReturnedStages(shapes, legacy);
    const isDefault = sameShape(returned, MOBILENET_DEFAULT_RETURNED); // its config stays as it was
    return { backbone: 'mobilenet_v3_large', ...(isDefault ? {} : { returned_stages: returned }), ...inferHeads(shapes, legacy) };
  }
  const blocks = [];
  for (let layer = 1; layer <= 4; layer++) {
    const n = countIndexed(shapes, `backbone.body.layer${layer}.`, '\\.');
    if (n === 0) throw new ConvertError(`missing tensors: backbone.body.layer${layer}.0.*`);
    blocks.push(n);
  }
  const block = shapes.has('backbone.body.layer1.0.conv3.weight') ? 'bottleneck' : 'basic';
  const depth = DEPTHS.find(([b, counts]) => b === block && counts.every((c, i) => c === blocks[i]))?.[2];
  if (depth === undefined) {
    throw new ConvertError(`unsupported ResNet: ${block} blocks per layer ${listRepr(blocks)} (supported depths 18, 34, 50, 101)`);
  }
  checkAnchors(shapes, 1); // one size per level
  return { backbone: 'resnet', depth, ...inferHeads(shapes, legacy) };
}

// --- expected tensors --------------------------------------------------------------------

function conv(out, name, cout, cin, k, bias = false) {
  out.set(`${name}.weight`, [cout, cin, k, k]);
  if (bias) out.set(`${name}.bias`, [cout]);
}

function bn(out, name, c) {
  for (const kind of ['weight', 'bias', 'running_mean', 'running_var']) out.set(`${name}.${kind}`, [c]);
}

/** backbone.body.* of MobileNetV3-Large's features up to the last returned stage (the extractor
 * drops the rest); returns the FPN's input channels (those of the returned stages). */
function mobilenetBodyShapes(out, returned) {
  const body = 'backbone.body';
  const end = MOBILENET_STAGES[returned.at(-1)];
  conv(out, `${body}.0.0`, MOBILENET_STEM, 3, 3);
  bn(out, `${body}.0.1`, MOBILENET_STEM);
  MOBILENET_V3_LARGE.slice(0, end).forEach(([cin, k, expanded, cout, se], index) => {
    const p = `${body}.${index + 1}.block`;
    let j = 0;
    if (expanded !== cin) {
      conv(out, `${p}.${j}.0`, expanded, cin, 1);
      bn(out, `${p}.${j}.1`, expanded);
      j++;
    }
    conv(out, `${p}.${j}.0`, expanded, 1, k);
    bn(out, `${p}.${j}.1`, expanded);
    j++;
    if (se) {
      const squeeze = makeDivisible8(Math.floor(expanded / 4));
      conv(out, `${p}.${j}.fc1`, squeeze, expanded, 1, true);
      conv(out, `${p}.${j}.fc2`, expanded, squeeze, 1, true);
      j++;
    }
    conv(out, `${p}.${j}.0`, cout, expanded, 1);
    bn(out, `${p}.${j}.1`, cout);
  });
  const last = MOBILENET_V3_LARGE.length + 1;
  if (end === last) {
    conv(out, `${body}.${last}.0`, MOBILENET_LAST, MOBILENET_V3_LARGE.at(-1)[3], 1);
    bn(out, `${body}.${last}.1`, MOBILENET_LAST);
  }
  return returned.map((k) => mobilenetChannels(MOBILENET_STAGES[k]));
}

/** backbone.body.* of a ResNet; returns the FPN's input channels (layer1..layer4). */
function resnetBodyShapes(out, depth) {
  const [block, counts] = DEPTHS.find(([, , d]) => d === depth);
  const expansion = block === 'bottleneck' ? 4 : 1;
  const body = 'backbone.body';
  conv(out, `${body}.conv1`, 64, 3, 7);
  bn(out, `${body}.bn1`, 64);
  let inplanes = 64;
  const stageChannels = [];
  counts.forEach((n, layer) => {
    const planes = 64 << layer;
    for (let b = 0; b < n; b++) {
      const p = `${body}.layer${layer + 1}.${b}`;
      if (block === 'bottleneck') {
        conv(out, `${p}.conv1`, planes, inplanes, 1);
        bn(out, `${p}.bn1`, planes);
        conv(out, `${p}.conv2`, planes, planes, 3);
        bn(out, `${p}.bn2`, planes);
        conv(out, `${p}.conv3`, planes * expansion, planes, 1);
        bn(out, `${p}.bn3`, planes * expansion);
      } else {
        conv(out, `${p}.conv1`, planes, inplanes, 3);
        bn(out, `${p}.bn1`, planes);
        conv(out, `${p}.conv2`, planes, planes, 3);
        bn(out, `${p}.bn2`, planes);
      }
      const stride = layer > 0 && b === 0 ? 2 : 1;
      if (b === 0 && (stride !== 1 || inplanes !== planes * expansion)) {
        conv(out, `${p}.downsample.0`, planes * expansion, inplanes, 1);
        bn(out, `${p}.downsample.1`, planes * expansion);
      }
      inplanes = planes * expansion;
    }
    stageChannels.push(inplanes);
  });
  return stageChannels;
}

/** The FPN, RPN, box and mask heads over the backbone's returned stages. */
function headShapes(out, arch, stageChannels, legacy) {
  // A convolution with its bias, or (Conv2dNormActivation with a norm) without one and
  // followed by BatchNorm: name.0 and name.1.
  const convNorm = (name, cout, cin, k, norm) => {
    if (norm === 'batch_norm') {
      conv(out, `${name}.0`, cout, cin, k);
      bn(out, `${name}.1`, cout);
    } else {
      conv(out, `${name}.0`, cout, cin, k, true);
    }
  };
  const f = arch.fpn_channels;
  const fpnNorm = arch.fpn_norm ?? 'none';
  for (const [block, k, channels] of [['inner_blocks', 1, stageChannels], ['layer_blocks', 3, stageChannels.map(() => f)]]) {
    channels.forEach((c, i) => {
      if (legacy) conv(out, `backbone.fpn.${block}.${i}`, f, c, k, true);
      else convNorm(`backbone.fpn.${block}.${i}`, f, c, k, fpnNorm);
    });
  }
  const sizesPerLevel = arch.backbone === 'mobilenet_v3_large' ? ANCHOR_SIZES.length : 1;
  const a = sizesPerLevel * ASPECT_RATIOS.length;
  if (legacy) conv(out, 'rpn.head.conv', f, f, 3, true);
  const rpnDepth = legacy ? 0 : arch.rpn_conv_depth ?? 1;
  for (let i = 0; i < rpnDepth; i++) conv(out, `rpn.head.conv.${i}.0`, f, f, 3, true);
  conv(out, 'rpn.head.cls_logits', a, f, 1, true);
  conv(out, 'rpn.head.bbox_pred', 4 * a, f, 1, true);

  const r = arch.box_head;
  const c = arch.num_classes;
  const boxConvs = arch.box_head_conv_layers ?? 0;
  let boxIn = f;
  for (let i = 0; i < boxConvs; i++) {
    convNorm(`roi_heads.box_head.${i}`, arch.box_head_conv_channels, boxIn, 3, arch.box_head_norm);
    boxIn = arch.box_head_conv_channels;
  }
  out.set(boxHeadFcName(arch, 'weight'), [r, boxIn * ROI_SIZE * ROI_SIZE]);
  out.set(boxHeadFcName(arch, 'bias'), [r]);
  if (!boxConvs) {
    out.set('roi_heads.box_head.fc7.weight', [r, r]);
    out.set('roi_heads.box_head.fc7.bias', [r]);
  }
  out.set('roi_heads.box_predictor.cls_score.weight', [c, r]);
  out.set('roi_heads.box_predictor.cls_score.bias', [c]);
  out.set('roi_heads.box_predictor.bbox_pred.weight', [4 * c, r]);
  out.set('roi_heads.box_predictor.bbox_pred.bias', [4 * c]);

  const m = arch.mask_head_channels;
  let cin = f;
  for (let i = 0; i < arch.mask_head_layers; i++) {
    if (legacy) conv(out, `roi_heads.mask_head.mask_fcn${i + 1}`, m, cin, 3, true);
    else convNorm(`roi_heads.mask_head.${i}`, m, cin, 3, arch.mask_head_norm ?? 'none');
    cin = m;
  }
  // ConvTranspose2d weight is [in, out, kH, kW]: in = the mask head's width, out =
  // MaskRCNNPredictor's dim_reduced.
  const d = arch.mask_predictor_channels;
  out.set('roi_heads.mask_predictor.conv5_mask.weight', [m, d, 2, 2]);
  out.set('roi_heads.mask_predictor.conv5_mask.bias', [d]);
  conv(out, 'roi_heads.mask_predictor.mask_fcn_logits', c, d, 1, true);
}

/** Map name -> shape of every tensor a model of this architecture has, in torchvision's order. */
export function expectedShapes(arch) {
  const legacy = arch.weight_names === 'legacy';
  const out = new Map();
  const stageChannels = arch.backbone === 'mobilenet_v3_large'
    ? mobilenetBodyShapes(out, arch.returned_stages ?? MOBILENET_DEFAULT_RETURNED)
    : resnetBodyShapes(out, arch.depth);
  headShapes(out, arch, stageChannels, legacy);
  return out;
}

const sameShape = (a, b) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Refuses unknown, missing and mis-shaped tensors, listing them. */
export function checkTensors(shapes, expected) {
  const unknown = [...shapes.keys()].filter((n) => !expected.has(n));
  const missing = [...expected.keys()].filter((n) => !shapes.has(n));
  const misshaped = [...expected].filter(([n, s]) => shapes.has(n) && !sameShape(shapes.get(n), s))
    .map(([n, s]) => `${n} has shape ${listRepr(shapes.get(n))}, expected ${listRepr(s)}`);
  const problems = [];
  if (unknown.length) problems.push(`unknown tensors (${unknown.length}): ${listing(unknown)}`);
  if (missing.length) problems.push(`missing tensors (${missing.length}): ${listing(missing)}`);
  if (misshaped.length) {
    const more = misshaped.length > MAX_LISTED ? `; ... (${misshaped.length - MAX_LISTED} more)` : '';
    problems.push(`mis-shaped tensors (${misshaped.length}): ${misshaped.slice(0, MAX_LISTED).join('; ')}${more}`);
  }
  if (problems.length) throw new ConvertError(problems.join('\n'));
}
