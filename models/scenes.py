#!/usr/bin/python3
"""Synthetic instance-segmentation scenes with exact masks, written as a COCO dataset.

    /usr/bin/python3 models/scenes.py OUTDIR [--count N] [--seed S] [--size WxH]
        [--format png|jpg] [--first I]

Writes OUTDIR/images/<id>.<format> and OUTDIR/annotations.json (COCO: images, categories,
annotations with compressed-RLE segmentation, area, bbox, iscrowd 0). Image i depends only on
(seed, i), so a dataset can be extended or re-made piece by piece.

A scene: a textured, unevenly lit background with clutter (lines, arcs, specks); 2-9 objects of
six classes (circle, square, triangle, star, ring, cross) at random scale, rotation, aspect,
colour and texture (solid, stripes, checks, noise, gradient), painted in order so that later
objects occlude earlier ones; then global lighting and sensor noise. Shapes are anti-aliased by
4x4 supersampling; an instance's mask is the set of pixels where its visible coverage (its own
coverage times what the objects above it leave) is above one half, so masks never overlap.
Objects left with little visible area are dropped from both the image and the annotations.
"""

import argparse
import json
import math
import os
import sys

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import coco_rle  # noqa: E402

CLASSES = ["circle", "square", "triangle", "star", "ring", "cross"]
SUPERSAMPLE = 4
MIN_VISIBLE_PIXELS = 48
MIN_VISIBLE_FRACTION = 0.3


# --- shapes in local coordinates (unit size, centred at 0) ----------------------------------

def _regular_polygon(n, start_deg, radius=1.0):
    a = np.radians(start_deg + 360.0 * np.arange(n) / n)
    return np.stack([radius * np.cos(a), radius * np.sin(a)], axis=1)


def _star_polygon(points, inner):
    a = np.radians(-90.0 + 180.0 * np.arange(2 * points) / points)
    r = np.where(np.arange(2 * points) % 2 == 0, 1.0, inner)
    return np.stack([r * np.cos(a), r * np.sin(a)], axis=1)


def _inside_polygon(u, v, poly):
    """Even-odd rule for points (u, v) against polygon vertices [n, 2]."""
    inside = np.zeros(u.shape, dtype=bool)
    n = len(poly)
    for i in range(n):
        x0, y0 = poly[i]
        x1, y1 = poly[(i + 1) % n]
        crosses = (y0 > v) != (y1 > v)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = x0 + (v - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (u < x_at)
    return inside


def inside_shape(kind, u, v, param):
    """Boolean membership of local points (u, v) in a shape; param tunes the shape."""
    if kind == "circle":
        return u * u + v * v <= 1.0
    if kind == "square":
        return (np.abs(u) <= 0.85) & (np.abs(v) <= 0.85)
    if kind == "triangle":
        return _inside_polygon(u, v, _regular_polygon(3, -90.0) * 1.1 + [0.0, 0.15])
    if kind == "star":
        return _inside_polygon(u, v, _star_polygon(5, param))
    if kind == "ring":
        r2 = u * u + v * v
        return (r2 <= 1.0) & (r2 >= param * param)
    if kind == "cross":
        arm = 0.3
        return (((np.abs(u) <= 0.95) & (np.abs(v) <= arm)) |
                ((np.abs(v) <= 0.95) & (np.abs(u) <= arm)))
    raise ValueError(kind)


def shape_param(kind, rng):
    if kind == "star":
        return rng.uniform(0.38, 0.55)
    if kind == "ring":
        return rng.uniform(0.45, 0.7)
    return 0.0


# --- colour and texture ---------------------------------------------------------------------

def hsv_to_rgb(h, s, v):
    i = int(h * 6.0) % 6
    f = h * 6.0 - int(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    return np.array([(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i])


def random_colour(rng, saturated=True):
    s = rng.uniform(0.45, 1.0) if saturated else rng.uniform(0.0, 0.35)
    v = rng.uniform(0.35, 1.0) if saturated else rng.uniform(0.2, 0.9)
    return hsv_to_rgb(rng.uniform(), s, v) * 255.0


def smooth_noise(rng, h, w, cells):
    """Values in [0, 1], smooth over about h / cells pixels."""
    gh, gw = max(2, cells), max(2, int(round(cells * w / h)))
    grid = rng.uniform(0.0, 1.0, (gh, gw)).astype(np.float32)
    return np.asarray(Image.fromarray(grid, mode="F").resize((w, h), Image.BICUBIC)).clip(0, 1)


def texture(rng, xs, ys, base):
    """Colour [n, 3] at pixel coordinates xs, ys for one object's texture."""
    kind = rng.choice(["solid", "solid", "stripes", "checks", "noise", "gradient"])
    n = xs.shape[0]
    if kind == "solid":
        return np.broadcast_to(base, (n, 3))
    other = base * rng.uniform(0.35, 0.75) if rng.uniform() < 0.5 else random_colour(rng)
    if kind == "stripes":
        a = rng.uniform(0, math.pi)
        period = rng.uniform(4.0, 14.0)
        t = ((xs * math.cos(a) + ys * math.sin(a)) / period) % 1.0 < 0.5
    elif kind == "checks":
        period = rng.uniform(4.0, 12.0)
        t = ((np.floor(xs / period) + np.floor(ys / period)) % 2) == 0
    elif kind == "noise":
        t = rng.uniform(0, 1, n) < 0.5
        return np.where(t[:, None], base, 0.5 * (base + other))
    else:  # gradient
        a = rng.uniform(0, 2 * math.pi)
        span = rng.uniform(20.0, 80.0)
        g = ((xs * math.cos(a) + ys * math.sin(a)) / span) % 1.0
        return base[None, :] * (1 - g[:, None]) + other[None, :] * g[:, None]
    return np.where(t[:, None], base, other)


# --- scene ----------------------------------------------------------------------------------

def background(rng, h, w):
    img = np.empty((h, w, 3), dtype=np.float32)
    a, b = random_colour(rng, saturated=False), random_colour(rng, saturated=rng.uniform() < 0.3)
    t = smooth_noise(rng, h, w, int(rng.integers(2, 8)))
    img[:] = a * (1 - t[..., None]) + b * t[..., None]
    fine = smooth_noise(rng, h, w, int(rng.integers(20, 60)))
    img += (fine[..., None] - 0.5) * rng.uniform(0, 60)
    canvas = Image.fromarray(img.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(canvas)
    for _ in range(int(rng.integers(0, 25))):  # clutter: lines, arcs and specks
        colour = tuple(int(c) for c in random_colour(rng, saturated=rng.uniform() < 0.5))
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        kind = rng.integers(0, 3)
        if kind == 0:
            x1, y1 = x0 + rng.normal(0, w / 4), y0 + rng.normal(0, h / 4)
            draw.line([(x0, y0), (x1, y1)], fill=colour, width=int(rng.integers(1, 4)))
        elif kind == 1:
            r = rng.uniform(10, 80)
            start = rng.uniform(0, 360)
            draw.arc([x0 - r, y0 - r, x0 + r, y0 + r], start, start + rng.uniform(30, 150),
                     fill=colour, width=int(rng.integers(1, 4)))
        else:
            r = rng.uniform(1, 4)
            draw.ellipse([x0 - r, y0 - r, x0 + r, y0 + r], fill=colour)
    return np.asarray(canvas).astype(np.float32)


def place_object(rng, h, w):
    kind = CLASSES[int(rng.integers(len(CLASSES)))]
    size = math.exp(rng.uniform(math.log(14.0), math.log(min(h, w) * 0.3)))
    return {
        "kind": kind,
        "param": shape_param(kind, rng),
        "cx": rng.uniform(-0.05, 1.05) * w,
        "cy": rng.uniform(-0.05, 1.05) * h,
        "sx": size * rng.uniform(0.8, 1.25),
        "sy": size,
        "angle": rng.uniform(0, 2 * math.pi),
        "colour": random_colour(rng),
    }


def coverage(obj, h, w):
    """(y0, x0, coverage [bh, bw] in [0, 1]) of an object, over its clipped bounding square."""
    r = 1.05 * max(obj["sx"], obj["sy"])
    x0, x1 = max(0, int(obj["cx"] - r)), min(w, int(math.ceil(obj["cx"] + r)))
    y0, y1 = max(0, int(obj["cy"] - r)), min(h, int(math.ceil(obj["cy"] + r)))
    if x1 <= x0 or y1 <= y0:
        return y0, x0, np.zeros((0, 0), dtype=np.float32)
    s = SUPERSAMPLE
    offsets = (np.arange(s) + 0.5) / s
    px = (np.arange(x0, x1)[:, None] + offsets[None, :]).reshape(-1)
    py = (np.arange(y0, y1)[:, None] + offsets[None, :]).reshape(-1)
    gx, gy = np.meshgrid(px - obj["cx"], py - obj["cy"])
    c, si = math.cos(obj["angle"]), math.sin(obj["angle"])
    u = (c * gx + si * gy) / obj["sx"]
    v = (-si * gx + c * gy) / obj["sy"]
    inside = inside_shape(obj["kind"], u, v, obj["param"]).astype(np.float32)
    bh, bw = y1 - y0, x1 - x0
    return y0, x0, inside.reshape(bh, s, bw, s).mean(axis=(1, 3))


def render_scene(rng, width, height):
    """(image uint8 [h, w, 3], [(class index, mask bool [h, w])]) of one scene."""
    h, w = height, width
    img = background(rng, h, w)
    objects = []
    for _ in range(int(rng.integers(2, 10))):
        obj = place_object(rng, h, w)
        y0, x0, cov = coverage(obj, h, w)
        full = np.zeros((h, w), dtype=np.float32)
        full[y0:y0 + cov.shape[0], x0:x0 + cov.shape[1]] = cov
        if full.sum() < MIN_VISIBLE_PIXELS:
            continue
        objects.append((obj, full))

    # Visible coverage: own coverage times what the objects painted later leave uncovered.
    above = np.ones((h, w), dtype=np.float32)
    visible = [None] * len(objects)
    for i in range(len(objects) - 1, -1, -1):
        visible[i] = objects[i][1] * above
        above *= 1.0 - objects[i][1]
    keep = [i for i, (obj, full) in enumerate(objects)
            if (visible[i] > 0.5).sum() >= MIN_VISIBLE_PIXELS
            and visible[i].sum() >= MIN_VISIBLE_FRACTION * full.sum()]
    if len(keep) < len(objects):  # recompute visibility without the dropped objects
        objects = [objects[i] for i in keep]
        above = np.ones((h, w), dtype=np.float32)
        visible = [None] * len(objects)
        for i in range(len(objects) - 1, -1, -1):
            visible[i] = objects[i][1] * above
            above *= 1.0 - objects[i][1]

    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    for obj, full in objects:
        region = full > 0
        colour = texture(rng, xs[region], ys[region], obj["colour"])
        shade = 1.0 + rng.uniform(-0.25, 0.25) * ((xs[region] - obj["cx"]) / (obj["sx"] + 1))
        alpha = full[region][:, None]
        img[region] = img[region] * (1 - alpha) + (colour * shade[:, None]) * alpha

    light = 0.65 + 0.7 * smooth_noise(rng, h, w, int(rng.integers(1, 4)))
    img = img * light[..., None] * rng.uniform(0.8, 1.15)
    img += rng.normal(0, rng.uniform(0, 6), img.shape)
    image = img.clip(0, 255).round().astype(np.uint8)
    instances = [(CLASSES.index(obj["kind"]), vis > 0.5) for (obj, _), vis in
                 zip(objects, visible)]
    return image, [(c, m) for c, m in instances if m.sum() >= MIN_VISIBLE_PIXELS]


def scene_rng(seed, index):
    return np.random.default_rng([seed, index])


def annotation_of(mask, ann_id, image_id, category_id):
    ys, xs = np.nonzero(mask)
    x0, y0 = int(xs.min()), int(ys.min())
    return {
        "id": ann_id, "image_id": image_id, "category_id": category_id,
        "segmentation": coco_rle.encode(mask), "area": int(mask.sum()),
        "bbox": [x0, y0, int(xs.max()) + 1 - x0, int(ys.max()) + 1 - y0], "iscrowd": 0,
    }


def write_dataset(outdir, count, seed, width, height, fmt="png", first=0):
    """Render images first..first+count-1 into outdir; returns the COCO dict written."""
    os.makedirs(os.path.join(outdir, "images"), exist_ok=True)
    coco = {
        "info": {"description": f"maskrcnn-wasm synthetic shapes, seed {seed}"},
        "images": [], "annotations": [],
        "categories": [{"id": i + 1, "name": n, "supercategory": "shape"}
                       for i, n in enumerate(CLASSES)],
    }
    for index in range(first, first + count):
        image, instances = render_scene(scene_rng(seed, index), width, height)
        name = f"{index:05d}.{fmt}"
        path = os.path.join(outdir, "images", name)
        if fmt == "jpg":
            Image.fromarray(image).save(path, quality=92)
        else:
            Image.fromarray(image).save(path, optimize=True)
        image_id = index + 1
        coco["images"].append({"id": image_id, "file_name": name, "width": width,
                               "height": height})
        for cls, mask in instances:
            coco["annotations"].append(annotation_of(mask, len(coco["annotations"]) + 1,
                                                     image_id, cls + 1))
        if (index - first + 1) % 50 == 0:
            print(f"scenes: {index - first + 1}/{count}", file=sys.stderr)
    with open(os.path.join(outdir, "annotations.json"), "w", encoding="utf-8") as fh:
        json.dump(coco, fh)
    return coco


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--first", type=int, default=0, help="index of the first image")
    ap.add_argument("--size", default="512x384", help="WIDTHxHEIGHT")
    ap.add_argument("--format", choices=["png", "jpg"], default="png")
    args = ap.parse_args(argv)
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        ap.error(f"--size must be WIDTHxHEIGHT, got {args.size!r}")
    if not (32 <= width <= 4096 and 32 <= height <= 4096):
        ap.error(f"--size: each side must be 32..4096, got {width}x{height}")
    if args.count < 1:
        ap.error("--count must be at least 1")
    coco = write_dataset(args.outdir, args.count, args.seed, width, height, args.format,
                         args.first)
    print(f"scenes: wrote {len(coco['images'])} images, {len(coco['annotations'])} instances "
          f"to {args.outdir}")


if __name__ == "__main__":
    main()
