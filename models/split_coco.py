#!/usr/bin/python3
"""Split a COCO annotation file into training and held-out files by image.

    /usr/bin/python3 models/split_coco.py ANNOTATIONS OUTDIR [--held-out N] [--seed S]

Writes OUTDIR/train.json and OUTDIR/val.json: the same categories, N images (chosen by a
seeded shuffle of the image ids) with their annotations in val.json, the rest in train.json.
File names are kept, so both files read the images from the original folder.
"""

import argparse
import json
import os
import random
import sys


def split(coco, held_out, seed):
    ids = sorted(im["id"] for im in coco["images"])
    if not 0 < held_out < len(ids):
        raise ValueError(f"--held-out must be between 1 and {len(ids) - 1}, got {held_out}")
    random.Random(seed).shuffle(ids)
    val_ids = set(ids[:held_out])

    def subset(keep):
        return {
            "images": [im for im in coco["images"] if keep(im["id"])],
            "annotations": [a for a in coco["annotations"] if keep(a["image_id"])],
            "categories": coco["categories"],
        }
    return subset(lambda i: i not in val_ids), subset(lambda i: i in val_ids)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("annotations")
    ap.add_argument("outdir")
    ap.add_argument("--held-out", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    with open(args.annotations, encoding="utf-8") as fh:
        coco = json.load(fh)
    try:
        train, val = split(coco, args.held_out, args.seed)
    except ValueError as e:
        print(f"split_coco.py: error: {e}", file=sys.stderr)
        return 2
    os.makedirs(args.outdir, exist_ok=True)
    for name, part in (("train", train), ("val", val)):
        with open(os.path.join(args.outdir, name + ".json"), "w", encoding="utf-8") as fh:
            json.dump(part, fh)
        print(f"{name}: {len(part['images'])} images, {len(part['annotations'])} instances "
              f"(ids {sorted(im['id'] for im in part['images'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
