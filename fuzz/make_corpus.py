#!/usr/bin/env python3
"""Writes the fuzzer's seed files into fuzz/corpus/: small valid safetensors files (F32, F16
and U8 tensors with metadata) and a gzip of one. Standard library only."""

import gzip
import json
import os
import struct

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

DTYPES = {"F32": ("<f", 4), "F16": ("<e", 2), "U8": ("<B", 1)}


def safetensors(tensors, metadata=None):
    """tensors: list of (name, dtype, shape, values) laid out contiguously in that order."""
    header, data = {}, b""
    for name, dtype, shape, values in tensors:
        fmt, _ = DTYPES[dtype]
        raw = b"".join(struct.pack(fmt, v) for v in values)
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # pad as the reference writer does
    return struct.pack("<Q", len(text)) + text + data


def main():
    os.makedirs(CORPUS, exist_ok=True)
    config = json.dumps({"backbone": "resnet", "depth": 50, "classes": ["background", "cat"]})
    mixed = safetensors(
        [("backbone.conv1.weight", "F32", [2, 3], [1.5, -2.0, 0.0, 3.25, 1e-3, -7.0]),
         ("rpn.head.bias", "F16", [2, 2], [1.0, -2.0, 65504.0, 2.0 ** -24]),
         ("mask", "U8", [3], [0, 128, 255])],
        {"format": "maskrcnn-wasm", "version": "1", "config": config})
    seeds = {
        "mixed.safetensors": mixed,
        "f16_scalar_and_empty.safetensors": safetensors(
            [("s", "F16", [], [0.5]), ("e", "F32", [0, 4], [])], {"format": "maskrcnn-wasm"}),
        "u8_no_metadata.safetensors": safetensors([("u", "U8", [2, 2], [1, 2, 3, 4])]),
        "mixed.safetensors.gz": gzip.compress(mixed, mtime=0),
    }
    for name, data in seeds.items():
        with open(os.path.join(CORPUS, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
