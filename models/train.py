#!/usr/bin/python3
"""Train a torchvision Mask R-CNN on a COCO-format dataset (CPU), then convert it.

    /usr/bin/python3 models/train.py --data DIR --out RUNDIR [--iterations N] [--batch B]
        [--lr LR] [--threads T] [--backbone resnet|mobilenet_v3_large] [--depth 18|34|50]
        [--fpn C] [--box-head C] [--mask-head C] [--mask-layers N] [--min-size N]
        [--max-size N] [--train-sizes N,N,...] [--returned-layers N,N,...]
        [--init CHECKPOINT] [--bf16] [--convert MODEL.safetensors]

DIR holds annotations.json (COCO instances: polygon or RLE segmentation) and the images it
names, under DIR/images/ or DIR/; or give --annotations FILE and --images DIR instead.
--init starts from another run's checkpoint or from a model file such as
models/default-f16.safetensors (every tensor whose shape fits, so a model trained on other
classes lends its backbone and heads but not its class layers). The run directory keeps checkpoint.pth, written every
--save-every iterations and at the end; a run started again with the same RUNDIR resumes
from it. Each --log-every iterations a line shows the iteration, the losses, seconds per
iteration and the time left. With --convert, the final weights are written as a model file
(F16) with the dataset's category names, through convert.py.

The network is built from scratch (no pretrained weights here): a ResNet with trainable
BatchNorm (folded into the convolutions by the converter) and an FPN of --fpn channels, or
(--backbone mobilenet_v3_large) the MobileNetV3-Large FPN that torchvision's
fasterrcnn_mobilenet_v3_large_320_fpn builds (BatchNorm eps 1e-5, FPN 256 over the last two
stages, five anchor sizes on each level, its RPN defaults), or over the stages
--returned-layers names (the extractor's returned_layers: 3,4,5 adds the stride-16 stage; a
run started with --init from a model over fewer stages takes its FPN blocks for its last
ones); then a two-layer box head of --box-head and a mask head of --mask-layers convolutions
of --mask-head channels. SGD with momentum, linear
warm-up and cosine decay; random horizontal flips. Images are resized as the engine will
resize them (--min-size, --max-size), or, with --train-sizes, to a shorter side drawn per
image from that list (multi-scale training); the model file keeps --min-size for inference.
With --bf16 the backbone, the FPN and the convolutions and layers of the RPN, box and mask
heads run in bfloat16 under autocast (1.5x faster an iteration on a CPU with AVX-512
BF16: 3.4 against 5.2 s for ResNet-34, FPN 128, batch 4 at 352 to 416, 2 threads); weights,
gradients, proposals, box arithmetic and losses stay in float32.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
from PIL import Image, ImageDraw
from torch import nn
from torchvision.models import mobilenet_v3_large, resnet
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import BackboneWithFPN, _mobilenet_extractor
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import coco_rle  # noqa: E402
import convert  # noqa: E402


# --- data -----------------------------------------------------------------------------------

def polygon_mask(polygons, h, w):
    canvas = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(canvas)
    for poly in polygons:
        if len(poly) >= 6:
            draw.polygon([(poly[i], poly[i + 1]) for i in range(0, len(poly), 2)], fill=1)
    return np.asarray(canvas, dtype=bool)


def segmentation_mask(seg, h, w):
    if isinstance(seg, list):
        return polygon_mask(seg, h, w)
    return coco_rle.decode(seg)


class CocoDataset:
    """Images with their boxes, labels (1..K in category-id order) and masks."""

    def __init__(self, annotations, root):
        with open(annotations, encoding="utf-8") as fh:
            coco = json.load(fh)
        self.root = root
        self.categories = sorted(coco["categories"], key=lambda c: c["id"])
        self.label_of = {c["id"]: i + 1 for i, c in enumerate(self.categories)}
        by_image = {}
        for ann in coco["annotations"]:
            if not ann.get("iscrowd", 0):
                by_image.setdefault(ann["image_id"], []).append(ann)
        # Images without objects teach nothing to the mask head; torchvision needs boxes.
        self.images = [im for im in coco["images"] if by_image.get(im["id"])]
        self.annotations = by_image
        if not self.images:
            raise SystemExit(f"train: no annotated images in {root}")

    @property
    def class_names(self):
        return [c["name"] for c in self.categories]

    def image_path(self, info):
        for path in (os.path.join(self.root, "images", info["file_name"]),
                     os.path.join(self.root, info["file_name"])):
            if os.path.exists(path):
                return path
        raise SystemExit(f"train: image {info['file_name']} not found under {self.root}")

    def __len__(self):
        return len(self.images)

    def item(self, index, flip):
        info = self.images[index]
        image = np.asarray(Image.open(self.image_path(info)).convert("RGB"))
        h, w = image.shape[:2]
        masks, boxes, labels = [], [], []
        for ann in self.annotations[info["id"]]:
            mask = segmentation_mask(ann["segmentation"], h, w)
            ys, xs = np.nonzero(mask)
            if xs.size == 0:
                continue
            masks.append(mask)
            boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
            labels.append(self.label_of[ann["category_id"]])
        masks = np.stack(masks) if masks else np.zeros((0, h, w), dtype=bool)
        boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        if flip:
            image, masks = image[:, ::-1], masks[:, :, ::-1]
            boxes = np.stack([w - boxes[:, 2], boxes[:, 1], w - boxes[:, 0], boxes[:, 3]], 1)
        tensor = torch.from_numpy(np.array(image)).permute(2, 0, 1).float() / 255
        target = {
            "boxes": torch.from_numpy(np.ascontiguousarray(boxes)),
            "labels": torch.tensor(labels, dtype=torch.int64),
            "masks": torch.from_numpy(np.ascontiguousarray(masks).astype(np.uint8)),
        }
        return tensor, target


# --- model ----------------------------------------------------------------------------------

# torchvision's fasterrcnn_mobilenet_v3_large_320_fpn: anchors and RPN test settings
MOBILE_ANCHOR_SIZES = (32, 64, 128, 256, 512)
MOBILE_RPN = {"rpn_pre_nms_top_n_test": 150, "rpn_post_nms_top_n_test": 150,
              "rpn_score_thresh": 0.05}


def build_model(num_classes, depth, fpn, box_head, mask_head, min_size, max_size,
                backbone="resnet", mask_layers=4, returned_layers=None):
    """A Mask R-CNN as torchvision builds it; fpn is 256 for MobileNetV3 (its extractor's),
    whose FPN inputs are returned_layers (None: the extractor's default, the last two)."""
    extra = {}
    if backbone == "mobilenet_v3_large":
        body = mobilenet_v3_large(weights=None, norm_layer=nn.BatchNorm2d)
        net = _mobilenet_extractor(body, True, 6, returned_layers=returned_layers)
        fpn = net.out_channels
        levels = len(net.fpn.inner_blocks) + 1  # the returned stages and the pool level
        extra = dict(MOBILE_RPN, rpn_anchor_generator=AnchorGenerator(
            (MOBILE_ANCHOR_SIZES,) * levels, ((0.5, 1.0, 2.0),) * levels))
    else:
        body = getattr(resnet, f"resnet{depth}")(weights=None, norm_layer=nn.BatchNorm2d)
        stage = [64, 128, 256, 512] if depth < 50 else [256, 512, 1024, 2048]
        net = BackboneWithFPN(body, {f"layer{k}": str(k - 1) for k in range(1, 5)}, stage,
                              fpn, extra_blocks=LastLevelMaxPool())
    return MaskRCNN(
        net, num_classes=None, min_size=min_size, max_size=max_size,
        box_head=TwoMLPHead(fpn * 7 * 7, box_head),
        box_predictor=FastRCNNPredictor(box_head, num_classes),
        mask_head=MaskRCNNHeads(fpn, [mask_head] * mask_layers, 1),
        mask_predictor=MaskRCNNPredictor(mask_head, mask_head, num_classes),
        rpn_pre_nms_top_n_train=1000, rpn_post_nms_top_n_train=600,
        box_batch_size_per_image=128, **extra)


def as_float32(out):
    """The same structure of tensors (a tensor, a dict, or tuples and lists of them) in float32."""
    if isinstance(out, torch.Tensor):
        return out.float()
    if isinstance(out, dict):
        return type(out)((k, as_float32(v)) for k, v in out.items())
    return type(out)(as_float32(v) for v in out)


def run_in_bfloat16(model):
    """Runs the network's costly parts under CPU bfloat16 autocast, their outputs back in float32.

    torchvision's box operations (NMS, RoIAlign's boxes, box coding) have no bfloat16 CPU
    kernels, so only the feature extractor and the heads' layers are wrapped; the state dict's
    names do not change."""
    def wrap(module):
        inner = module.forward

        def forward(*args, **kwargs):
            with torch.autocast("cpu", dtype=torch.bfloat16):
                out = inner(*args, **kwargs)
            return as_float32(out)
        module.forward = forward
    for module in (model.backbone, model.rpn.head, model.roi_heads.box_head,
                   model.roi_heads.mask_head):
        wrap(module)


def learning_rate(base, iteration, total, warmup):
    if iteration < warmup:
        return base * (0.001 + 0.999 * iteration / warmup)
    t = (iteration - warmup) / max(1, total - warmup)
    return base * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * t)))


def format_seconds(s):
    s = int(s)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def save_checkpoint(path, model, optimizer, iteration, args, class_names):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "iteration": iteration, "args": vars(args), "class_names": class_names}, tmp)
    os.replace(tmp, path)


# --- main -----------------------------------------------------------------------------------

def sizes_list(text):
    try:
        sizes = [int(t) for t in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"not a list of positive sizes: {text!r}")
    return sizes


def stages_list(text):
    try:
        stages = [int(t) for t in text.split(",")]
    except ValueError:
        stages = []
    if not stages or min(stages) < 0 or max(stages) > 5 or sorted(set(stages)) != stages:
        raise argparse.ArgumentTypeError(
            f"not an increasing list of MobileNetV3 stages 0..5: {text!r}")
    return stages


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", help="COCO dataset directory (annotations.json, images/)")
    ap.add_argument("--annotations", help="COCO annotations file (default DATA/annotations.json)")
    ap.add_argument("--images", help="image directory (default DATA/images or DATA)")
    ap.add_argument("--init", metavar="CHECKPOINT",
                    help="initial weights: another run's checkpoint.pth or a model file")
    ap.add_argument("--grow", type=float, metavar="SCALE",
                    help="with --init from a smaller network of the same kind (ResNet-18 "
                         "into -34, a narrower FPN or heads): its weights fill the leading "
                         "channels, new output channels start at SCALE times their random "
                         "start (0 keeps its function exactly) and new residual blocks as "
                         "identities")
    ap.add_argument("--out", required=True, help="run directory (checkpoint, log)")
    ap.add_argument("--iterations", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--lr", type=float, default=0.02)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--backbone", choices=["resnet", "mobilenet_v3_large"], default="resnet")
    ap.add_argument("--depth", type=int, choices=[18, 34, 50], default=18)
    ap.add_argument("--fpn", type=int, default=128)
    ap.add_argument("--box-head", type=int, default=256)
    ap.add_argument("--mask-head", type=int, default=128)
    ap.add_argument("--mask-layers", type=int, default=4)
    ap.add_argument("--min-size", type=int, default=384)
    ap.add_argument("--max-size", type=int, default=512)
    ap.add_argument("--train-sizes", type=sizes_list, metavar="N,N,...",
                    help="shorter sides to train at, one drawn per image (default --min-size)")
    ap.add_argument("--returned-layers", type=stages_list, metavar="N,N,...",
                    help="MobileNetV3 stages the FPN takes (default: the last two, 4,5)")
    ap.add_argument("--bf16", action="store_true",
                    help="run the convolutions and fully connected layers in bfloat16 "
                         "(autocast); weights and losses stay float32")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save-every", type=int, default=100)
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--convert", metavar="MODEL", help="write the final model file (F16)")
    args = ap.parse_args(argv)
    if args.iterations < 1 or args.batch < 1 or args.threads < 1 or args.mask_layers < 1:
        ap.error("--iterations, --batch, --threads and --mask-layers must be at least 1")
    if not 0 < args.min_size <= args.max_size:
        ap.error("need 0 < --min-size <= --max-size")
    if args.grow is not None and (args.init is None or not 0 <= args.grow <= 1):
        ap.error("--grow needs --init and a SCALE from 0 to 1")
    if args.returned_layers and args.backbone != "mobilenet_v3_large":
        ap.error("--returned-layers is for --backbone mobilenet_v3_large")
    if args.train_sizes and max(args.train_sizes) > args.max_size:
        ap.error("--train-sizes must not exceed --max-size")
    if args.annotations is None:
        if args.data is None:
            ap.error("give --data DIR, or --annotations FILE and --images DIR")
        args.annotations = os.path.join(args.data, "annotations.json")
    if args.images is None:
        if args.data is None:
            ap.error("--annotations needs --images DIR (or --data DIR)")
        args.images = args.data
    return args


def fpn_block_count(state):
    return len({k.split(".")[3] for k in state if k.startswith("backbone.fpn.inner_blocks.")})


def shift_fpn_blocks(state, own):
    """A checkpoint with fewer FPN inputs than the model (say the last two stages, and the model
    adds the stride-16 one) lends its FPN blocks to the model's last ones: both end with the
    same stages. The model's new first layer block starts as a copy of the checkpoint's first."""
    have, want = fpn_block_count(state), fpn_block_count(own)
    if not 0 < have < want:
        return state
    shift = want - have
    moved = {}
    for k, v in state.items():
        parts = k.split(".")
        if k.startswith(("backbone.fpn.inner_blocks.", "backbone.fpn.layer_blocks.")):
            index = int(parts[3])
            moved[".".join(parts[:3] + [str(index + shift)] + parts[4:])] = v
            if index == 0 and parts[2] == "layer_blocks":
                for new in range(shift):
                    moved[".".join(parts[:3] + [str(new)] + parts[4:])] = v
        else:
            moved[k] = v
    return moved


def output_dims(model):
    """For each weight and bias of a convolution or fully connected layer, the dimension that
    indexes its output channels: 1 in a transposed convolution's (in, out, kh, kw) weight, 0
    everywhere else. BatchNorm's tensors are not named: they have no inputs to grow."""
    dims = {}
    for name, module in model.named_modules():
        weight = getattr(module, "weight", None)
        if isinstance(weight, torch.Tensor) and weight.dim() >= 2:
            dims[f"{name}.weight"] = 1 if isinstance(module, nn.ConvTranspose2d) else 0
            if getattr(module, "bias", None) is not None:
                dims[f"{name}.bias"] = 0
    return dims


def grown(own, old, out_dim, scale):
    """A larger tensor that holds a smaller one in its leading corner. Its new output
    channels (weights and biases) keep their own random start times scale, so they begin
    near zero and the layer's old outputs stay as they were; its new inputs keep their own
    start, as what feeds them begins near zero too. out_dim None: nothing is scaled."""
    out = own.clone()
    if out_dim is not None:
        rows = [slice(None)] * own.dim()
        rows[out_dim] = slice(old.shape[out_dim], None)
        out[tuple(rows)] *= scale
    out[tuple(slice(0, n) for n in old.shape)] = old
    return out


def zero_new_residuals(model, state):
    """Residual blocks the smaller network lacks (ResNet-34 has more per stage than -18)
    start as identities: the last BatchNorm's scale is zero, so the block adds nothing, as
    torchvision's zero_init_residual does."""
    blocks = {".".join(k.split(".")[:4]) for k in state if k.startswith("backbone.body.layer")}
    zeroed = []
    for name, module in model.named_modules():
        if name.startswith("backbone.body.layer") and name.count(".") == 3 \
                and name not in blocks:
            last = getattr(module, "bn3", None) or getattr(module, "bn2", None)
            if last is not None:
                nn.init.zeros_(last.weight)
                zeroed.append(name)
    return zeroed


def initialize_from(model, path, grow=None):
    """Copy every tensor of a checkpoint (or of a model file) whose name and shape fit. With
    grow (a small scale, 0 keeps the smaller network's function exactly) a smaller network
    of the same family also fits: wider layers take its weights in their leading channels and
    deeper stages start their extra blocks as identities."""
    if path.endswith(".safetensors"):
        import model_file
        _, tensors, _ = model_file.read_model(path)
        state = {k: torch.from_numpy(v.astype(np.float32)) for k, v in tensors.items()}
    else:
        state = torch.load(path, map_location="cpu")
        state = state.get("model", state)
    own = model.state_dict()
    state = shift_fpn_blocks(state, own)
    fits = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    widened = 0
    if grow is not None:
        dims = output_dims(model)
        for k, v in state.items():
            if k in own and k not in fits and own[k].dim() == v.dim() \
                    and all(a >= b for a, b in zip(own[k].shape, v.shape)):
                fits[k] = grown(own[k], v, dims.get(k), grow)
                widened += 1
        with torch.no_grad():
            deepened = len(zero_new_residuals(model, state))
    model.load_state_dict(fits, strict=False)
    print(f"train: {len(fits)} of {len(own)} tensors from {path}"
          + (f" ({widened} widened, {deepened} new residual blocks start as identities)"
             if grow is not None else ""), flush=True)


def train(args):
    torch.set_num_threads(args.threads)
    data = CocoDataset(args.annotations, args.images)
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "checkpoint.pth")
    num_classes = len(data.class_names) + 1
    torch.manual_seed(args.seed)
    # torchvision draws one of the min_size values per training image.
    sizes = tuple(args.train_sizes) if args.train_sizes else args.min_size
    model = build_model(num_classes, args.depth, args.fpn, args.box_head, args.mask_head,
                        sizes, args.max_size, args.backbone, args.mask_layers,
                        args.returned_layers)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=args.lr, momentum=0.9, weight_decay=1e-4)
    start = 0
    if os.path.exists(ckpt_path):
        state = torch.load(ckpt_path, map_location="cpu")
        if state["class_names"] != data.class_names:
            raise SystemExit(f"train: {ckpt_path} was trained on other classes "
                             f"({state['class_names']}); use another --out")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start = state["iteration"]
        print(f"train: resuming from iteration {start}", flush=True)
    elif args.init:
        initialize_from(model, args.init, args.grow)

    if args.bf16:
        run_in_bfloat16(model)
    model.train()
    sums, count, t0 = {}, 0, time.time()
    for iteration in range(start, args.iterations):
        # The sample order depends only on (seed, iteration), so a resumed run goes on as before.
        rng = np.random.default_rng([args.seed, iteration])
        batch = [data.item(int(i), bool(rng.integers(2)))
                 for i in rng.integers(0, len(data), args.batch)]
        lr = learning_rate(args.lr, iteration, args.iterations, args.warmup)
        for group in optimizer.param_groups:
            group["lr"] = lr
        losses = model([b[0] for b in batch], [b[1] for b in batch])
        total = sum(losses.values())
        if not torch.isfinite(total):
            raise SystemExit(f"train: loss is {float(total)} at iteration {iteration}; "
                             "lower --lr or resume from the last checkpoint")
        optimizer.zero_grad()
        total.backward()
        nn.utils.clip_grad_norm_(params, 10.0)
        optimizer.step()
        for k, v in losses.items():
            sums[k] = sums.get(k, 0.0) + float(v)
        count += 1
        done = iteration + 1
        if done % args.log_every == 0 or done == args.iterations:
            per_it = (time.time() - t0) / count
            parts = "  ".join(f"{k.replace('loss_', '')} {v / count:.3f}"
                              for k, v in sums.items())
            print(f"iter {done}/{args.iterations}  loss {sum(sums.values()) / count:.3f}  "
                  f"({parts})  lr {lr:.4f}  {per_it:.2f} s/it  "
                  f"left {format_seconds(per_it * (args.iterations - done))}", flush=True)
            sums, count, t0 = {}, 0, time.time()
        if done % args.save_every == 0 or done == args.iterations:
            save_checkpoint(ckpt_path, model, optimizer, done, args, data.class_names)
    return model, data.class_names


def main(argv=None):
    args = parse_args(argv)
    model, class_names = train(args)
    if args.convert:
        config, tensors = convert.convert_state_dict(
            model.state_dict(), labels=class_names, min_size=args.min_size,
            max_size=args.max_size)
        convert.write_model_file(args.convert, config, tensors, fp16=True)
        print(f"train: wrote {args.convert} ({os.path.getsize(args.convert) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
