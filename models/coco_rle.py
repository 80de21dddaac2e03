"""COCO run-length encoding of binary masks (the format of COCO's mask API).

A mask of height h and width w is read in column-major order (down each column, then to the
next column); counts alternate between runs of 0 and runs of 1, starting with 0 (a leading
run may be empty). The compressed string stores each count, after the third, as the
difference from the count two places before; each value is written in groups of 5 bits, low
bits first, as chr(48 + group) with bit 0x20 set while more groups follow, and the last
group's bit 0x10 carrying the sign.
"""

import numpy as np


def mask_to_counts(mask):
    """Run lengths of a 2-D boolean mask in column-major order, starting with zeros."""
    flat = np.asarray(mask, dtype=bool).flatten(order="F")
    if flat.size == 0:
        return []
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate(([0], change, [flat.size]))
    runs = np.diff(bounds).tolist()
    return ([0] + runs) if flat[0] else runs


def counts_to_string(counts):
    """The compressed COCO string of a list of run lengths."""
    out = []
    for i, count in enumerate(counts):
        value = int(count) - (int(counts[i - 2]) if i > 2 else 0)
        more = True
        while more:
            group = value & 0x1F
            value >>= 5  # arithmetic shift keeps the sign
            more = not ((group & 0x10 == 0 and value == 0) or (group & 0x10 and value == -1))
            if more:
                group |= 0x20
            out.append(chr(group + 48))
    return "".join(out)


def string_to_counts(text):
    """Run lengths from a compressed COCO string."""
    counts = []
    pos = 0
    while pos < len(text):
        value = 0
        shift = 0
        while True:
            if pos >= len(text):
                raise ValueError("truncated RLE string")
            group = ord(text[pos]) - 48
            if not 0 <= group < 64:
                raise ValueError(f"bad character {text[pos]!r} in RLE string")
            value |= (group & 0x1F) << shift
            shift += 5
            pos += 1
            if not group & 0x20:
                if group & 0x10:
                    value |= -1 << shift
                break
        if len(counts) > 2:
            value += counts[-2]
        counts.append(value)
    return counts


def encode(mask):
    """{"size": [h, w], "counts": str} of a 2-D boolean mask."""
    h, w = np.asarray(mask).shape
    return {"size": [int(h), int(w)], "counts": counts_to_string(mask_to_counts(mask))}


def decode(rle):
    """The boolean mask [h, w] of an RLE dict with compressed or uncompressed counts."""
    h, w = rle["size"]
    counts = rle["counts"]
    if isinstance(counts, str):
        counts = string_to_counts(counts)
    if sum(counts) != h * w:
        raise ValueError(f"RLE counts sum to {sum(counts)}, expected {h * w}")
    values = np.zeros(len(counts), dtype=bool)
    values[1::2] = True
    flat = np.repeat(values, counts)
    return flat.reshape((w, h)).T.copy()
