#!/usr/bin/python3
"""Benchmark inputs: one model, one image and its ONNX export, for one input size.

    /usr/bin/python3 bench/export_onnx.py MODEL OUTPREFIX --height H --width W
        [--min-size N --max-size N] [--seed S] [--background-logit B]

MODEL is a maskrcnn-wasm model file (build/fixtures/r50_det.safetensors). Its tensors are
loaded back into torchvision's maskrcnn_resnet50_fpn (FrozenBatchNorm2d in the body, the
file's bn_eps, thresholds and sizes from its configuration), so that both engines of the
benchmark run the same weights. --min-size/--max-size replace the model's resize sizes (the
512x767 case runs with min_size 512, max_size 853: the image is not resized, as the 800x1199
image is not with the default 800/1333). --background-logit replaces the bias of the
background class in the box predictor: a lower one lets more proposals pass the score
threshold (run.sh sets it so that more than 100 boxes survive NMS and the top-100 cut binds,
the 100-detection configuration of the performance goal).

Writes, next to OUTPREFIX:
  OUTPREFIX.safetensors  the model file for our engine (the input's tensors, the new sizes)
  OUTPREFIX.onnx         torch.onnx.export (opset 11) of the torchvision model, traced on the
                         image: input "image" F32 [3, H, W] (RGB / 255), outputs "boxes" [N, 4],
                         "labels" [N] (int64), "scores" [N], "masks" [N, 1, H, W] (mask
                         probabilities pasted into the image: a loop over the detections
                         in the graph, work our engine does not do in full-image form)
  OUTPREFIX.no-paste.onnx  the same export with torchvision's paste_masks_in_image replaced by
                         a function that returns its masks unchanged: "masks" [N, 1, 28, 28],
                         the mask head's probabilities of each box's class, to be pasted into
                         the box by the reader (bench/paste-mask.mjs)
  OUTPREFIX.rgb          the image: H * W * 3 bytes, RGB, row by row (make_fixtures.smooth_image)
  OUTPREFIX.json         sizes; the RPN's proposal count and torchvision's detection count on
                         this image; torch.profiler's FLOP count of its conv2d and addmm calls
                         (a cross-check of the benchmark's analytic count); each graph's node
                         and Loop node counts (the paste loop, in the first graph only); the
                         cache key
The files are rebuilt only when the key (this script, the model file's bytes, the image's
bytes, the arguments, the torch and torchvision versions) changes.
"""

import argparse
import contextlib
import hashlib
import json
import os
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "models")


def sha256_file(path, h=None):
    h = h or hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h


def cache_key(args, image):
    import torch
    import torchvision
    h = hashlib.sha256()
    for path in (os.path.abspath(__file__), args.model):
        sha256_file(path, h)
    h.update(image.tobytes())
    h.update(json.dumps([args.height, args.width, args.min_size, args.max_size, args.seed,
                         args.background_logit, torch.__version__, torchvision.__version__]).encode())
    return h.hexdigest()


def build_torchvision(config, tensors):
    """maskrcnn_resnet50_fpn with the file's tensors, sizes and thresholds."""
    import torch
    import torchvision
    from torchvision.ops.misc import FrozenBatchNorm2d
    import make_fixtures

    arch, pre, post = config["architecture"], config["preprocess"], config["postprocess"]
    depth = arch.get("depth", "")  # (a MobileNetV3 has none)
    if (arch["backbone"], depth, arch["weight_names"]) != ("resnet", 50, "torchvision"):
        raise SystemExit(f"export_onnx: expected a ResNet-50 model with torchvision names, got "
                         f"{arch['backbone']}{depth} ({arch['weight_names']} names)")
    model = torchvision.models.detection.maskrcnn_resnet50_fpn(
        weights=None, weights_backbone=None, num_classes=arch["num_classes"],
        min_size=pre["min_size"], max_size=pre["max_size"],
        image_mean=pre["mean"], image_std=pre["std"],
        rpn_pre_nms_top_n_test=post["rpn_pre_nms_top_n"],
        rpn_post_nms_top_n_test=post["rpn_post_nms_top_n"],
        rpn_nms_thresh=post["rpn_nms_thresh"], rpn_score_thresh=post["rpn_score_thresh"],
        box_score_thresh=post["box_score_thresh"], box_nms_thresh=post["box_nms_thresh"],
        box_detections_per_img=post["box_detections_per_img"])
    make_fixtures.freeze_batchnorm(model.backbone.body)
    make_fixtures.set_frozen_bn_eps(model, arch["bn_eps"])
    state = {k: torch.from_numpy(v) for k, v in tensors.items()}
    model.load_state_dict(state, strict=True)
    for m in model.modules():
        if isinstance(m, FrozenBatchNorm2d) and m.eps != arch["bn_eps"]:
            raise RuntimeError("FrozenBatchNorm2d eps not set")
    return model.eval()


@contextlib.contextmanager
def masks_not_pasted():
    """torchvision's paste_masks_in_image, where the detection modules have it bound, replaced
    by a function that returns the box-local mask probabilities unchanged."""
    from torchvision.models.detection import roi_heads, transform

    def box_local_masks(masks, boxes, img_shape, padding=1):
        return masks

    modules = [m for m in (transform, roi_heads) if hasattr(m, "paste_masks_in_image")]
    if transform not in modules:
        raise RuntimeError("torchvision.models.detection.transform has no paste_masks_in_image")
    originals = [m.paste_masks_in_image for m in modules]
    for m in modules:
        m.paste_masks_in_image = box_local_masks
    try:
        yield
    finally:
        for m, original in zip(modules, originals):
            m.paste_masks_in_image = original


def export_graph(model, x, path):
    """torch.onnx.export of model traced on x, checked by onnx, written to path. Returns its
    node count and its count of Loop nodes (the paste is the export's only loop)."""
    import torch
    import onnx
    tmp = f"{path}.tmp{os.getpid()}"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on constant sizes: this size only
        torch.onnx.export(model, ([x],), tmp, opset_version=11, do_constant_folding=True,
                          input_names=["image"],
                          output_names=["boxes", "labels", "scores", "masks"])
    onnx.checker.check_model(tmp)
    nodes = onnx.load(tmp, load_external_data=False).graph.node
    os.replace(tmp, path)
    return {"nodes": len(nodes), "loops": sum(n.op_type == "Loop" for n in nodes)}


def reference_run(model, x):
    """(proposals, detections, FLOP counts by op) of torchvision's forward on x."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    proposals = []
    hook = model.rpn.register_forward_hook(lambda mod, inp, out: proposals.append(len(out[0][0])))
    try:
        with torch.no_grad(), profile(activities=[ProfilerActivity.CPU], with_flops=True) as prof:
            out = model([x])[0]
    finally:
        hook.remove()
    flops = {}
    for e in prof.key_averages():
        if e.flops and e.key in ("aten::conv2d", "aten::addmm", "aten::mm", "aten::matmul"):
            flops[e.key] = flops.get(e.key, 0) + int(e.flops)
    return proposals[0], len(out["scores"]), flops


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model")
    p.add_argument("prefix")
    p.add_argument("--height", type=int, required=True)
    p.add_argument("--width", type=int, required=True)
    p.add_argument("--min-size", type=int)
    p.add_argument("--max-size", type=int)
    p.add_argument("--seed", type=int, default=40)
    p.add_argument("--background-logit", type=float)
    args = p.parse_args()

    sys.path.insert(0, MODELS)
    import torch
    import model_file
    import make_fixtures

    image = make_fixtures.smooth_image(args.height, args.width, seed=args.seed)
    key = cache_key(args, image)
    meta_path = args.prefix + ".json"
    outputs = [args.prefix + ext for ext in (".safetensors", ".onnx", ".no-paste.onnx", ".rgb")]
    try:
        with open(meta_path) as f:
            if json.load(f).get("key") == key and all(os.path.exists(o) for o in outputs):
                print(f"export_onnx: {os.path.basename(args.prefix)} up to date")
                return
    except (OSError, ValueError):
        pass

    torch.set_num_threads(2)
    os.makedirs(os.path.dirname(os.path.abspath(args.prefix)), exist_ok=True)
    started = time.time()
    config, tensors, _ = model_file.read_model(args.model)
    if args.min_size:
        config["preprocess"]["min_size"] = args.min_size
    if args.max_size:
        config["preprocess"]["max_size"] = args.max_size
    if args.background_logit is not None:
        bias = tensors["roi_heads.box_predictor.cls_score.bias"].copy()
        bias[0] = args.background_logit
        tensors["roi_heads.box_predictor.cls_score.bias"] = bias
    model_file.write_model(args.prefix + ".safetensors", config, tensors)
    model = build_torchvision(config, tensors)

    image.tofile(args.prefix + ".rgb")
    x = torch.from_numpy(image).permute(2, 0, 1).to(torch.float32) / 255.0

    proposals, detections, flops = reference_run(model, x)
    resized = model.transform([x])[0].image_sizes[0]
    padded = model.transform([x])[0].tensors.shape[-2:]

    pasted = export_graph(model, x, args.prefix + ".onnx")
    with masks_not_pasted():
        box_local = export_graph(model, x, args.prefix + ".no-paste.onnx")
    if box_local["loops"] or not pasted["loops"]:
        raise RuntimeError(f"expected the paste loop in the exported graph only: {pasted['loops']} "
                           f"loops as exported, {box_local['loops']} without the paste")

    import onnx
    meta = {
        "height": args.height, "width": args.width, "seed": args.seed,
        "min_size": config["preprocess"]["min_size"], "max_size": config["preprocess"]["max_size"],
        "resized": list(resized), "padded": [int(v) for v in padded],
        "torchvision": {"proposals": proposals, "detections": detections, "flops": flops},
        "config": config,
        "graphs": {"onnx": pasted, "no-paste.onnx": box_local},
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__},
        "key": key,
    }
    with open(meta_path + ".tmp", "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(meta_path + ".tmp", meta_path)
    print(f"export_onnx: {os.path.basename(args.prefix)}: {args.height}x{args.width} -> "
          f"resized {resized[0]}x{resized[1]}, {proposals} proposals, {detections} detections "
          f"(torchvision), {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
