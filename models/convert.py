#!/usr/bin/python3
"""Convert a torchvision Mask R-CNN (ResNet-FPN, v1 or v2, or MobileNetV3-Large-FPN) checkpoint
to a maskrcnn-wasm model file.

    /usr/bin/python3 models/convert.py CHECKPOINT OUT [--fp16] [--int8] [--labels FILE|a,b,c]
        [--min-size N] [--max-size N] [--bn-eps E] [--rpn-pre-nms-top-n N]
        [--rpn-post-nms-top-n N] [--rpn-score-thresh T] [--box-score-thresh T]
        [--detections-per-img N]

The architecture (backbone: ResNet and its depth, or MobileNetV3-Large; FPN channels, head
sizes, number of classes; the v2 parts of maskrcnn_resnet50_fpn_v2: BatchNorm in the FPN and
the heads, two RPN convolutions, a convolutional box head) is inferred from the tensor shapes.
A MobileNetV3 model gets the defaults of torchvision's 320 mobile detector (min/max size 320/640, RPN pre/post-NMS top-n
150/150 and score threshold 0.05 at test); --min-size and --max-size override them, and the
postprocess flags override the matching MaskRCNN constructor arguments (rpn_pre_nms_top_n_test,
rpn_post_nms_top_n_test, rpn_score_thresh, box_score_thresh, box_detections_per_img).
Tensors keep their original names: torchvision >= 0.13 names
("torchvision") or the older names of the published COCO checkpoint ("legacy").
BatchNorm tensors are stored unfolded; num_batches_tracked is dropped.
Errors (unknown, missing or mis-shaped tensors, bad options) exit with code 2.
"""

import argparse
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_file  # noqa: E402

ANCHOR_SIZES = [32, 64, 128, 256, 512]
ASPECT_RATIOS = [0.5, 1.0, 2.0]
ROI_SIZE = 7
DEPTHS = {
    ("basic", (2, 2, 2, 2)): 18,
    ("basic", (3, 4, 6, 3)): 34,
    ("bottleneck", (3, 4, 6, 3)): 50,
    ("bottleneck", (3, 4, 23, 3)): 101,
}
PREPROCESS = {"min_size": 800, "max_size": 1333, "mean": [0.485, 0.456, 0.406],
              "std": [0.229, 0.224, 0.225], "size_divisible": 32}
POSTPROCESS = {"rpn_pre_nms_top_n": 1000, "rpn_post_nms_top_n": 1000, "rpn_nms_thresh": 0.7,
               "rpn_score_thresh": 0.0, "rpn_min_size": 0.001,
               "box_score_thresh": 0.05, "box_nms_thresh": 0.5, "box_detections_per_img": 100,
               "box_min_size": 0.01, "mask_threshold": 0.5}
MAX_LISTED = 12
# The architecture fields of the v2 parts, in the order the config lists them; each is written
# only when the model has it (a v1 model's config is unchanged).
V2_FIELDS = ("fpn_norm", "rpn_conv_depth", "box_head_conv_layers", "box_head_conv_channels",
             "box_head_norm", "mask_head_norm")

# torchvision's mobilenet_v3_large() blocks as the detection builder makes them (width 1, no
# dilation, full tail): input, kernel, expanded, output, squeeze-excitation, stride.
MOBILENET_V3_LARGE = [
    (16, 3, 16, 16, False, 1), (16, 3, 64, 24, False, 2), (24, 3, 72, 24, False, 1),
    (24, 5, 72, 40, True, 2), (40, 5, 120, 40, True, 1), (40, 5, 120, 40, True, 1),
    (40, 3, 240, 80, False, 2), (80, 3, 200, 80, False, 1), (80, 3, 184, 80, False, 1),
    (80, 3, 184, 80, False, 1), (80, 3, 480, 112, True, 1), (112, 3, 672, 112, True, 1),
    (112, 5, 672, 160, True, 2), (160, 5, 960, 160, True, 1), (160, 5, 960, 160, True, 1),
]
MOBILENET_STEM, MOBILENET_LAST = 16, 960
# _mobilenet_extractor's stage_indices: [0] + the stride-2 blocks + [last]; by default its FPN
# takes the last two stages (returned_layers)
MOBILENET_STAGES = ([0] + [i for i, b in enumerate(MOBILENET_V3_LARGE, start=1) if b[5] > 1]
                    + [len(MOBILENET_V3_LARGE) + 1])
MOBILENET_DEFAULT_RETURNED = [len(MOBILENET_STAGES) - 2, len(MOBILENET_STAGES) - 1]
MAX_FPN_INPUTS = 4  # the engine's FPN: at most four stages and the pool level
# fasterrcnn_mobilenet_v3_large_320_fpn's test-time settings
MOBILENET_PREPROCESS = {"min_size": 320, "max_size": 640}
MOBILENET_POSTPROCESS = {"rpn_pre_nms_top_n": 150, "rpn_post_nms_top_n": 150,
                         "rpn_score_thresh": 0.05}
# Postprocess settings a caller may override: (kind, lowest value)
POSTPROCESS_OVERRIDES = {"rpn_pre_nms_top_n": (int, 1), "rpn_post_nms_top_n": (int, 1),
                         "rpn_score_thresh": (float, 0.0), "box_score_thresh": (float, 0.0),
                         "box_detections_per_img": (int, 1)}


class ConvertError(Exception):
    """A checkpoint or option the converter cannot handle; the message says why."""


def coco_labels():
    """torchvision's 91-entry COCO category list (index 0 = "__background__")."""
    try:
        from torchvision.models.detection import MaskRCNN_ResNet50_FPN_Weights
        return list(MaskRCNN_ResNet50_FPN_Weights.COCO_V1.meta["categories"])
    except ImportError:
        from torchvision.models._meta import _COCO_CATEGORIES
        return list(_COCO_CATEGORIES)


def _listing(names):
    names = sorted(names)
    shown = ", ".join(names[:MAX_LISTED])
    if len(names) > MAX_LISTED:
        shown += f", ... ({len(names) - MAX_LISTED} more)"
    return shown


def _to_numpy(value):
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach"):  # torch.Tensor
        return value.detach().cpu().numpy()
    return np.asarray(value)


# --- naming -------------------------------------------------------------------------------

# Each group of renamed modules: (torchvision name of a probe tensor, legacy name of it).
_NAMING_PROBES = {
    "FPN": ("backbone.fpn.inner_blocks.0.0.weight", "backbone.fpn.inner_blocks.0.weight"),
    "RPN head": ("rpn.head.conv.0.0.weight", "rpn.head.conv.weight"),
    "mask head": ("roi_heads.mask_head.0.0.weight", "roi_heads.mask_head.mask_fcn1.weight"),
}


def detect_naming(shapes):
    """Naming of the checkpoint, "torchvision" or "legacy", from the FPN, RPN and mask head keys."""
    found = {}
    for group, (new, old) in _NAMING_PROBES.items():
        if new in shapes and old not in shapes:
            found[group] = "torchvision"
        elif old in shapes and new not in shapes:
            found[group] = "legacy"
        elif new in shapes:
            raise ConvertError(f"{group}: both {new} and {old} present")
        else:
            raise ConvertError(f"missing tensor: {new} (or legacy {old})")
    kinds = set(found.values())
    if len(kinds) > 1:
        raise ConvertError("mixed weight naming: " + ", ".join(
            f"{g} uses {k} names" for g, k in found.items()))
    return kinds.pop()


def fpn_name(block, i, legacy, kind):
    """FPN conv tensor name: block is "inner_blocks" or "layer_blocks"."""
    return f"backbone.fpn.{block}.{i}.{kind}" if legacy else f"backbone.fpn.{block}.{i}.0.{kind}"


def mask_head_name(i, legacy, kind):
    """Name of mask head conv i (0-based)."""
    return (f"roi_heads.mask_head.mask_fcn{i + 1}.{kind}" if legacy
            else f"roi_heads.mask_head.{i}.0.{kind}")


# --- architecture -------------------------------------------------------------------------

def _shape(shapes, name):
    if name not in shapes:
        raise ConvertError(f"missing tensor: {name}")
    return shapes[name]


def _dim(shapes, name, axis):
    shape = _shape(shapes, name)
    if len(shape) <= axis:
        raise ConvertError(f"mis-shaped tensor: {name} has shape {list(shape)}")
    return shape[axis]


def _count_indexed(shapes, prefix, pattern):
    """Number of consecutive indices i >= 0 with some name matching prefix + i + pattern."""
    rx = re.compile(re.escape(prefix) + r"(\d+)" + pattern)
    idx = {int(m.group(1)) for m in (rx.match(n) for n in shapes) if m}
    n = 0
    while n in idx:
        n += 1
    return n


def make_divisible8(value):
    """torchvision's _make_divisible(value, 8)."""
    rounded = max(8, int(value + 4) // 8 * 8)
    return rounded + 8 if rounded < 0.9 * value else rounded


def mobilenet_channels(index):
    """Output channels of features[index] of mobilenet_v3_large."""
    if index == 0:
        return MOBILENET_STEM
    if index == len(MOBILENET_V3_LARGE) + 1:
        return MOBILENET_LAST
    return MOBILENET_V3_LARGE[index - 1][3]


def infer_returned_stages(shapes, legacy):
    """The extractor's returned_layers, from the input channels of the FPN's inner blocks (each
    stage of mobilenet_v3_large has its own channel count)."""
    stage_of = {mobilenet_channels(i): k for k, i in enumerate(MOBILENET_STAGES)}
    inputs = 0
    while fpn_name("inner_blocks", inputs, legacy, "weight") in shapes:
        inputs += 1
    if not 0 < inputs <= MAX_FPN_INPUTS:
        raise ConvertError(f"unsupported MobileNetV3 FPN: {inputs} inner blocks "
                           f"(1 to {MAX_FPN_INPUTS} returned stages)")
    stages = []
    for i in range(inputs):
        name = fpn_name("inner_blocks", i, legacy, "weight")
        channels = _dim(shapes, name, 1)
        if channels not in stage_of:
            raise ConvertError(f"unsupported MobileNetV3 FPN: {name} takes {channels} channels, "
                               f"which no stage of mobilenet_v3_large gives "
                               f"({', '.join(str(c) for c in sorted(stage_of))})")
        stages.append(stage_of[channels])
    if stages != sorted(set(stages)):
        raise ConvertError(f"unsupported MobileNetV3 FPN: its inner blocks take stages {stages}, "
                           "not in increasing order")
    return stages


def is_mobilenet(shapes):
    """MobileNetV3 features are numbered modules (backbone.body.0.0.weight is the stem)."""
    return "backbone.body.0.0.weight" in shapes and "backbone.body.conv1.weight" not in shapes


def infer_v2_parts(shapes, legacy):
    """The parts maskrcnn_resnet50_fpn_v2 changes, only those that differ from v1 (so a v1
    model's config stays as it was): BatchNorm after the FPN convolutions, the RPN head's
    number of 3x3 convolutions, a FastRCNNConvFCHead box head (3x3 convolutions, then one
    fully connected layer) and BatchNorm in the mask head. Legacy names only exist for v1."""
    if legacy:
        return {}
    parts = {}
    if "backbone.fpn.inner_blocks.0.1.weight" in shapes:
        parts["fpn_norm"] = "batch_norm"
    rpn_depth = _count_indexed(shapes, "rpn.head.conv.", r"\.0\.weight$")
    if rpn_depth != 1:
        parts["rpn_conv_depth"] = rpn_depth
    if "roi_heads.box_head.fc6.weight" not in shapes:
        layers = _count_indexed(shapes, "roi_heads.box_head.", r"\.0\.weight$")
        if layers == 0:
            raise ConvertError("missing tensor: roi_heads.box_head.fc6.weight (or "
                               "roi_heads.box_head.0.0.weight of a convolutional box head)")
        parts["box_head_conv_layers"] = layers
        parts["box_head_conv_channels"] = _dim(shapes, "roi_heads.box_head.0.0.weight", 0)
        parts["box_head_norm"] = ("batch_norm" if "roi_heads.box_head.0.1.weight" in shapes
                                  else "none")
    if "roi_heads.mask_head.0.1.weight" in shapes:
        parts["mask_head_norm"] = "batch_norm"
    return parts


def box_head_fc_name(arch, kind):
    """The box head's first fully connected layer: TwoMLPHead's fc6, or the Linear after a
    FastRCNNConvFCHead's convolutions and its Flatten module."""
    layers = arch.get("box_head_conv_layers", 0)
    return f"roi_heads.box_head.{layers + 1}.{kind}" if layers else f"roi_heads.box_head.fc6.{kind}"


def infer_heads(shapes, legacy):
    """The FPN, RPN and RoI head sizes shared by both backbones."""
    parts = infer_v2_parts(shapes, legacy)
    mask_layers = 0  # legacy names are 1-based (mask_fcn1, ...), new ones 0-based
    while any(mask_head_name(mask_layers, legacy, k) in shapes for k in ("weight", "bias")):
        mask_layers += 1
    heads = {
        "fpn_channels": _dim(shapes, fpn_name("inner_blocks", 0, legacy, "weight"), 0),
        "box_head": _dim(shapes, box_head_fc_name(parts, "weight"), 0),
        "mask_head_channels": _dim(shapes, mask_head_name(0, legacy, "weight"), 0),
        "mask_head_layers": mask_layers,
        "mask_predictor_channels": _dim(shapes, "roi_heads.mask_predictor.conv5_mask.weight", 1),
        "num_classes": _dim(shapes, "roi_heads.box_predictor.cls_score.weight", 0),
        "weight_names": "legacy" if legacy else "torchvision",
    }
    heads.update(parts)
    return heads


def check_anchors(shapes, sizes_per_level):
    anchors = _dim(shapes, "rpn.head.cls_logits.weight", 0)
    expected = sizes_per_level * len(ASPECT_RATIOS)
    if anchors != expected:
        raise ConvertError(f"unsupported RPN: rpn.head.cls_logits.weight has {anchors} anchors "
                           f"per location, expected {expected}")


def infer_architecture(shapes):
    """Architecture dict (without bn_eps) from a mapping name -> shape tuple."""
    legacy = detect_naming(shapes) == "legacy"
    if is_mobilenet(shapes):
        check_anchors(shapes, len(ANCHOR_SIZES))  # all five sizes on each level
        arch = {"backbone": "mobilenet_v3_large", "anchor_sizes": list(ANCHOR_SIZES),
                "aspect_ratios": list(ASPECT_RATIOS)}
        returned = infer_returned_stages(shapes, legacy)
        if returned != MOBILENET_DEFAULT_RETURNED:  # the default's config stays as it was
            arch["returned_stages"] = returned
        arch.update(infer_heads(shapes, legacy))
        return arch
    blocks = []
    for layer in range(1, 5):
        n = _count_indexed(shapes, f"backbone.body.layer{layer}.", r"\.")
        if n == 0:
            raise ConvertError(f"missing tensors: backbone.body.layer{layer}.0.*")
        blocks.append(n)
    block = ("bottleneck" if "backbone.body.layer1.0.conv3.weight" in shapes else "basic")
    depth = DEPTHS.get((block, tuple(blocks)))
    if depth is None:
        raise ConvertError(f"unsupported ResNet: {block} blocks per layer {blocks} "
                           "(supported depths 18, 34, 50, 101)")
    check_anchors(shapes, 1)  # one size per level
    arch = {"backbone": "resnet", "depth": depth, "anchor_sizes": list(ANCHOR_SIZES),
            "aspect_ratios": list(ASPECT_RATIOS)}
    arch.update(infer_heads(shapes, legacy))
    return arch


def _conv(out, name, cout, cin, k, bias=False):
    out[name + ".weight"] = (cout, cin, k, k)
    if bias:
        out[name + ".bias"] = (cout,)


def _bn(out, name, c):
    for kind in ("weight", "bias", "running_mean", "running_var"):
        out[f"{name}.{kind}"] = (c,)


def mobilenet_body_shapes(out, returned):
    """backbone.body.* of MobileNetV3-Large's features up to the last returned stage (the
    extractor drops the rest); returns the FPN's input channels (those of the returned
    stages)."""
    body = "backbone.body"
    end = MOBILENET_STAGES[returned[-1]]
    _conv(out, f"{body}.0.0", MOBILENET_STEM, 3, 3)
    _bn(out, f"{body}.0.1", MOBILENET_STEM)
    for i, (cin, k, expanded, cout, se, stride) in enumerate(MOBILENET_V3_LARGE[:end], start=1):
        p, j = f"{body}.{i}.block", 0
        if expanded != cin:
            _conv(out, f"{p}.{j}.0", expanded, cin, 1)
            _bn(out, f"{p}.{j}.1", expanded)
            j += 1
        _conv(out, f"{p}.{j}.0", expanded, 1, k)
        _bn(out, f"{p}.{j}.1", expanded)
        j += 1
        if se:
            squeeze = make_divisible8(expanded // 4)
            _conv(out, f"{p}.{j}.fc1", squeeze, expanded, 1, bias=True)
            _conv(out, f"{p}.{j}.fc2", expanded, squeeze, 1, bias=True)
            j += 1
        _conv(out, f"{p}.{j}.0", cout, expanded, 1)
        _bn(out, f"{p}.{j}.1", cout)
    last = len(MOBILENET_V3_LARGE) + 1
    if end == last:
        _conv(out, f"{body}.{last}.0", MOBILENET_LAST, MOBILENET_V3_LARGE[-1][3], 1)
        _bn(out, f"{body}.{last}.1", MOBILENET_LAST)
    return [mobilenet_channels(MOBILENET_STAGES[k]) for k in returned]


def expected_shapes(arch):
    """Ordered dict name -> shape of every tensor a model of this architecture has."""
    legacy = arch["weight_names"] == "legacy"
    out = {}
    if arch["backbone"] == "mobilenet_v3_large":
        stage_channels = mobilenet_body_shapes(
            out, arch.get("returned_stages", MOBILENET_DEFAULT_RETURNED))
    else:
        stage_channels = resnet_body_shapes(out, arch["depth"])
    _head_shapes(out, arch, stage_channels, legacy)
    return out


def resnet_body_shapes(out, depth):
    """backbone.body.* of a ResNet; returns the FPN's input channels (layer1..layer4)."""
    block, counts = next(k for k, v in DEPTHS.items() if v == depth)
    expansion = 4 if block == "bottleneck" else 1

    def conv(name, cout, cin, k):
        _conv(out, name, cout, cin, k)

    def bn(name, c):
        _bn(out, name, c)

    body = "backbone.body"
    conv(f"{body}.conv1", 64, 3, 7)
    bn(f"{body}.bn1", 64)
    inplanes = 64
    stage_channels = []
    for layer, n in enumerate(counts):
        planes = 64 << layer
        for b in range(n):
            p = f"{body}.layer{layer + 1}.{b}"
            if block == "bottleneck":
                conv(f"{p}.conv1", planes, inplanes, 1)
                bn(f"{p}.bn1", planes)
                conv(f"{p}.conv2", planes, planes, 3)
                bn(f"{p}.bn2", planes)
                conv(f"{p}.conv3", planes * expansion, planes, 1)
                bn(f"{p}.bn3", planes * expansion)
            else:
                conv(f"{p}.conv1", planes, inplanes, 3)
                bn(f"{p}.bn1", planes)
                conv(f"{p}.conv2", planes, planes, 3)
                bn(f"{p}.bn2", planes)
            stride = 2 if (layer > 0 and b == 0) else 1
            if b == 0 and (stride != 1 or inplanes != planes * expansion):
                conv(f"{p}.downsample.0", planes * expansion, inplanes, 1)
                bn(f"{p}.downsample.1", planes * expansion)
            inplanes = planes * expansion
        stage_channels.append(inplanes)
    return stage_channels


def _head_shapes(out, arch, stage_channels, legacy):
    """The FPN, RPN, box and mask heads over the backbone's returned stages."""
    def conv(name, cout, cin, k, bias=False):
        _conv(out, name, cout, cin, k, bias)

    def conv_norm(name, cout, cin, k, norm):
        """A convolution with its bias, or (Conv2dNormActivation with a norm) without one and
        followed by BatchNorm: name.0 and name.1."""
        if norm == "batch_norm":
            _conv(out, f"{name}.0", cout, cin, k)
            _bn(out, f"{name}.1", cout)
        else:
            _conv(out, f"{name}.0", cout, cin, k, bias=True)

    f = arch["fpn_channels"]
    fpn_norm = arch.get("fpn_norm", "none")
    for block, k, channels in (("inner_blocks", 1, stage_channels),
                               ("layer_blocks", 3, [f] * len(stage_channels))):
        for i, c in enumerate(channels):
            if legacy:
                _conv(out, f"backbone.fpn.{block}.{i}", f, c, k, bias=True)
            else:
                conv_norm(f"backbone.fpn.{block}.{i}", f, c, k, fpn_norm)

    sizes_per_level = len(arch["anchor_sizes"]) if arch["backbone"] == "mobilenet_v3_large" else 1
    a = sizes_per_level * len(arch["aspect_ratios"])
    if legacy:
        conv("rpn.head.conv", f, f, 3, bias=True)
    for i in range(0 if legacy else arch.get("rpn_conv_depth", 1)):
        conv(f"rpn.head.conv.{i}.0", f, f, 3, bias=True)
    conv("rpn.head.cls_logits", a, f, 1, bias=True)
    conv("rpn.head.bbox_pred", 4 * a, f, 1, bias=True)

    r, c = arch["box_head"], arch["num_classes"]
    box_convs = arch.get("box_head_conv_layers", 0)
    cin = f
    for i in range(box_convs):
        conv_norm(f"roi_heads.box_head.{i}", arch["box_head_conv_channels"], cin, 3,
                  arch["box_head_norm"])
        cin = arch["box_head_conv_channels"]
    out[box_head_fc_name(arch, "weight")] = (r, cin * ROI_SIZE * ROI_SIZE)
    out[box_head_fc_name(arch, "bias")] = (r,)
    if not box_convs:
        out["roi_heads.box_head.fc7.weight"] = (r, r)
        out["roi_heads.box_head.fc7.bias"] = (r,)
    out["roi_heads.box_predictor.cls_score.weight"] = (c, r)
    out["roi_heads.box_predictor.cls_score.bias"] = (c,)
    out["roi_heads.box_predictor.bbox_pred.weight"] = (4 * c, r)
    out["roi_heads.box_predictor.bbox_pred.bias"] = (4 * c,)

    m = arch["mask_head_channels"]
    cin = f
    for i in range(arch["mask_head_layers"]):
        if legacy:
            _conv(out, f"roi_heads.mask_head.mask_fcn{i + 1}", m, cin, 3, bias=True)
        else:
            conv_norm(f"roi_heads.mask_head.{i}", m, cin, 3, arch.get("mask_head_norm", "none"))
        cin = m
    # ConvTranspose2d weight is [in, out, kH, kW]: in = the mask head's width, out =
    # MaskRCNNPredictor's dim_reduced.
    d = arch["mask_predictor_channels"]
    out["roi_heads.mask_predictor.conv5_mask.weight"] = (m, d, 2, 2)
    out["roi_heads.mask_predictor.conv5_mask.bias"] = (d,)
    conv("roi_heads.mask_predictor.mask_fcn_logits", c, d, 1, bias=True)


def check_tensors(shapes, expected):
    """Raise ConvertError listing unknown, missing and mis-shaped tensors."""
    unknown = [n for n in shapes if n not in expected]
    missing = [n for n in expected if n not in shapes]
    misshaped = [f"{n} has shape {list(shapes[n])}, expected {list(s)}"
                 for n, s in expected.items() if n in shapes and tuple(shapes[n]) != s]
    problems = []
    if unknown:
        problems.append(f"unknown tensors ({len(unknown)}): {_listing(unknown)}")
    if missing:
        problems.append(f"missing tensors ({len(missing)}): {_listing(missing)}")
    if misshaped:
        shown = misshaped[:MAX_LISTED]
        more = f"; ... ({len(misshaped) - MAX_LISTED} more)" if len(misshaped) > MAX_LISTED else ""
        problems.append(f"mis-shaped tensors ({len(misshaped)}): " + "; ".join(shown) + more)
    if problems:
        raise ConvertError("\n".join(problems))


# --- labels -------------------------------------------------------------------------------

def parse_labels(spec):
    """Class names from a file (one per line) or a comma-separated list."""
    if os.path.isfile(spec):
        with open(spec, encoding="utf-8") as fh:
            names = [line.strip() for line in fh]
        while names and names[-1] == "":
            names.pop()
    else:
        names = [s.strip() for s in spec.split(",")]
    if any(n == "" for n in names):
        raise ConvertError(f"--labels: empty class name in {spec!r}")
    return names


def resolve_labels(num_classes, labels=None):
    """The label list (index 0 = background) for a model with num_classes outputs."""
    if labels is not None:
        labels = list(labels)
        if len(labels) == num_classes - 1:
            labels = ["__background__"] + labels
        if len(labels) != num_classes:
            raise ConvertError(f"--labels gives {len(labels)} names, the model has "
                               f"{num_classes} classes (expected {num_classes - 1} names, "
                               f"or {num_classes} with the background first)")
        return labels
    if num_classes == 91:
        return coco_labels()
    return ["__background__"] + [f"class_{i}" for i in range(1, num_classes)]


# --- conversion ---------------------------------------------------------------------------

def unwrap_checkpoint(obj):
    """The state_dict inside a loaded checkpoint (a state_dict, {"model": ...}, or a module)."""
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        obj = obj.state_dict()
    if isinstance(obj, dict) and "model" in obj and not any(
            isinstance(k, str) and k.startswith("backbone.") for k in obj):
        obj = obj["model"]
        if hasattr(obj, "state_dict") and callable(obj.state_dict):
            obj = obj.state_dict()
    if not isinstance(obj, dict):
        raise ConvertError(f"checkpoint holds a {type(obj).__name__}, not a state_dict")
    keys = list(obj)
    if keys and all(isinstance(k, str) and k.startswith("module.") for k in keys):
        obj = {k[len("module."):]: v for k, v in obj.items()}  # saved from DataParallel
    return obj


def postprocess_flag(key):
    """The command-line flag of a postprocess setting: box_detections_per_img ->
    --detections-per-img, rpn_score_thresh -> --rpn-score-thresh."""
    return "--" + key.replace("box_detections", "detections").replace("_", "-")


def postprocess_config(mobilenet, overrides=None):
    """The postprocess settings: torchvision's defaults for the backbone, then overrides
    (a dict of POSTPROCESS_OVERRIDES keys; None values are skipped), each checked."""
    post = dict(POSTPROCESS, **(MOBILENET_POSTPROCESS if mobilenet else {}))
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in POSTPROCESS_OVERRIDES:
            raise ConvertError(f"unknown postprocess setting {key}")
        kind, lowest = POSTPROCESS_OVERRIDES[key]
        flag = postprocess_flag(key)
        if kind is int and (value != int(value) or value < lowest):
            raise ConvertError(f"{flag} must be a whole number >= {lowest}, got {value}")
        if kind is float and not (lowest <= value <= 1.0):
            raise ConvertError(f"{flag} must be between {lowest} and 1, got {value}")
        post[key] = kind(value)
    return post


def convert_state_dict(state_dict, labels=None, min_size=None, max_size=None, bn_eps=None,
                       postprocess=None):
    """(config, tensors) from a torchvision Mask R-CNN state_dict.

    tensors is an ordered dict of original name -> float32 numpy array, in the state_dict's
    order, without num_batches_tracked. labels: list of names (with or without background).
    postprocess: overrides of the postprocess settings (see postprocess_config).
    """
    tensors = {}
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise ConvertError(f"non-string key in state_dict: {name!r}")
        if name.endswith(".num_batches_tracked"):
            continue
        array = _to_numpy(value)
        if array.dtype.kind != "f":
            raise ConvertError(f"tensor {name} has dtype {array.dtype}, expected floating point")
        tensors[name] = np.ascontiguousarray(array, dtype=np.float32)
    shapes = {n: tuple(a.shape) for n, a in tensors.items()}
    arch = infer_architecture(shapes)
    check_tensors(shapes, expected_shapes(arch))
    mobilenet = arch["backbone"] == "mobilenet_v3_large"
    if bn_eps is None:
        bn_eps = 0.0 if arch["weight_names"] == "legacy" and not mobilenet else 1e-5
    if not (bn_eps >= 0.0 and np.isfinite(bn_eps)):
        raise ConvertError(f"--bn-eps must be a finite number >= 0, got {bn_eps}")
    preprocess = dict(PREPROCESS, **(MOBILENET_PREPROCESS if mobilenet else {}))
    if min_size is not None:
        preprocess["min_size"] = int(min_size)
    if max_size is not None:
        preprocess["max_size"] = int(max_size)
    if not 0 < preprocess["min_size"] <= preprocess["max_size"]:
        raise ConvertError(f"need 0 < min_size <= max_size, got {preprocess['min_size']} "
                           f"and {preprocess['max_size']}")
    architecture = {"backbone": arch["backbone"]}
    if not mobilenet:
        architecture["depth"] = arch["depth"]
    if "returned_stages" in arch:
        architecture["returned_stages"] = arch["returned_stages"]
    architecture.update({
        "bn_eps": float(bn_eps),
        "fpn_channels": arch["fpn_channels"], "anchor_sizes": arch["anchor_sizes"],
        "aspect_ratios": arch["aspect_ratios"], "box_head": arch["box_head"],
        "mask_head_channels": arch["mask_head_channels"],
        "mask_head_layers": arch["mask_head_layers"],
        "mask_predictor_channels": arch["mask_predictor_channels"],
        "num_classes": arch["num_classes"],
        "weight_names": arch["weight_names"],
    })
    architecture.update({k: arch[k] for k in V2_FIELDS if k in arch})
    config = {
        "architecture": architecture,
        "preprocess": preprocess,
        "postprocess": postprocess_config(mobilenet, postprocess),
        "labels": resolve_labels(arch["num_classes"], labels),
    }
    return config, tensors


# Weights that stay in float with --int8: the first convolution (it sees the raw pixels), the
# predictors (class scores, box deltas and mask logits come straight out of them; the mask
# predictor's transposed convolution, a wide layer before the logits, goes int8), the
# depthwise convolutions (9 or 25 weights a channel: a scale each would cost more than it saves)
# and the squeeze-excitation layers (small).
INT8_KEPT_FLOAT = ("backbone.body.conv1.", "backbone.body.0.0.", "roi_heads.box_predictor.",
                   "roi_heads.mask_predictor.mask_fcn_logits.", "rpn.head.cls_logits.",
                   "rpn.head.bbox_pred.")


def int8_weight_names(tensors):
    """The weights --int8 quantizes: convolution and fully connected weights, but those of
    INT8_KEPT_FLOAT, depthwise convolutions and squeeze-excitation."""
    names = []
    for name, array in tensors.items():
        if not name.endswith(".weight") or array.ndim < 2 or name.startswith(INT8_KEPT_FLOAT):
            continue
        if (array.ndim == 4 and array.shape[1] == 1) or ".fc1." in name or ".fc2." in name:
            continue
        names.append(name)
    return names


def write_model_file(path, config, tensors, fp16=False, int8=False):
    """Write the model file (F16 for all float tensors when fp16; the weights of
    int8_weight_names as I8 when int8)."""
    try:
        model_file.write_model(path, config, tensors, fp16=fp16,
                               int8=int8_weight_names(tensors) if int8 else ())
    except model_file.FormatError as e:
        raise ConvertError(str(e)) from None


def read_model_file(path):
    """(config, tensors, metadata) when path is a maskrcnn-wasm model file (safetensors with
    its format entry), else None."""
    try:
        return model_file.read_model(path)
    except (model_file.FormatError, OSError, ValueError):
        return None


def load_checkpoint(path):
    """The state_dict stored in a torch checkpoint file."""
    import pickle
    import torch
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        # Checkpoints that also hold training state (e.g. argparse args) need full unpickling.
        print("convert.py: note: checkpoint holds more than tensors; loading it with full "
              "unpickling", file=sys.stderr)
        try:
            obj = torch.load(path, map_location="cpu")
        except Exception as e:  # any failure of an arbitrary pickle
            raise ConvertError(f"cannot load checkpoint {path} (not a torch checkpoint?): "
                           f"{type(e).__name__}: {e}") from None
    except Exception as e:  # not a torch file, truncated, ...
        raise ConvertError(f"cannot load checkpoint {path} (not a torch checkpoint?): "
                           f"{type(e).__name__}: {e}") from None
    return unwrap_checkpoint(obj)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Convert a torchvision Mask R-CNN checkpoint to a maskrcnn-wasm model file.")
    parser.add_argument("checkpoint", help="torch checkpoint: a state_dict or {'model': ...}; "
                        "or a model file, written again with these options")
    parser.add_argument("out", help="output model file (.safetensors)")
    parser.add_argument("--fp16", action="store_true", help="store weights as F16")
    parser.add_argument("--int8", action="store_true",
                        help="store convolution and fully connected weights as int8 with a "
                             "scale per output channel (the rest as --fp16 says)")
    parser.add_argument("--labels", help="class names: a file with one per line, or a,b,c")
    parser.add_argument("--min-size", type=int,
                        help="preprocess short side (default 800; 320 for MobileNetV3)")
    parser.add_argument("--max-size", type=int,
                        help="preprocess long side cap (default 1333; 640 for MobileNetV3)")
    parser.add_argument("--bn-eps", type=float,
                        help="BatchNorm eps (default 0.0 for a ResNet with legacy names, else "
                             "1e-5; 0.001 for a MobileNetV3 built with its own default norm)")
    for key, (kind, lowest) in POSTPROCESS_OVERRIDES.items():
        parser.add_argument(postprocess_flag(key), dest=key, type=kind,
                            help=f"postprocess {key} (torchvision's default for the backbone)")
    args = parser.parse_args(argv)
    try:
        if not os.path.isfile(args.checkpoint):
            raise ConvertError(f"no such checkpoint file: {args.checkpoint}")
        labels = parse_labels(args.labels) if args.labels is not None else None
        postprocess = {k: getattr(args, k) for k in POSTPROCESS_OVERRIDES}
        existing = read_model_file(args.checkpoint)
        if existing:
            # A model file again (e.g. as int8): its settings stay unless the flags say otherwise.
            old, state_dict, _ = existing
            labels = labels if labels is not None else old["labels"]
            pre, post = old["preprocess"], old["postprocess"]
            args.min_size = args.min_size if args.min_size is not None else pre["min_size"]
            args.max_size = args.max_size if args.max_size is not None else pre["max_size"]
            args.bn_eps = args.bn_eps if args.bn_eps is not None else old["architecture"]["bn_eps"]
            postprocess = {k: v if v is not None else post[k] for k, v in postprocess.items()}
        else:
            state_dict = load_checkpoint(args.checkpoint)
        config, tensors = convert_state_dict(state_dict, labels=labels, min_size=args.min_size,
                                             max_size=args.max_size, bn_eps=args.bn_eps,
                                             postprocess=postprocess)
        write_model_file(args.out, config, tensors, fp16=args.fp16, int8=args.int8)
    except ConvertError as e:
        print(f"convert.py: error: {e}", file=sys.stderr)
        return 2
    a = config["architecture"]
    size = os.path.getsize(args.out)
    backbone = f"resnet{a['depth']}" if "depth" in a else a["backbone"]
    print(f"wrote {args.out}: {backbone} FPN {a['fpn_channels']}, box head "
          f"{a['box_head']}, mask head {a['mask_head_layers']}x{a['mask_head_channels']}, "
          f"{a['num_classes']} classes, {a['weight_names']} names, bn_eps {a['bn_eps']}, "
          f"{len(tensors)} tensors {'F16' if args.fp16 else 'F32'}"
          f"{f' ({len(int8_weight_names(tensors))} weights int8)' if args.int8 else ''}, "
          f"{size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
