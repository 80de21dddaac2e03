"""Image files of every kind the package decodes, with the pixels PIL gives for them.

    /usr/bin/python3 models/image_fixtures.py OUTDIR [PHOTO]

Writes OUTDIR/NAME.jpg or .png and OUTDIR/NAME.rgb (height x width x 3 bytes of
PIL.Image.open(file).convert("RGB"), what torchvision users feed their models), plus
OUTDIR/manifest.json: {name: {file, width, height, kind}}. Cases ending in "-exif-N" carry
EXIF orientation N; their NAME.transposed.rgb is ImageOps.exif_transpose's result.
Also files the package refuses (no .rgb): refused-16-bit-grey.png, refused-cmyk.jpg.

The pixels come from a crop of PHOTO (default: a fruits_nuts photo from ../shared/data) at
odd sizes, so that partial MCUs and odd chroma edges are covered. PIL cannot write
interlaced PNGs, so those are written here (Adam7, filter 0); PIL still decodes the reference.
"""

import json
import os
import struct
import sys
import warnings
import zlib

import numpy as np
from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
# The workplace's shared data: shared/data beside the repository, or where MRW_SHARED_DATA
# points (for a clone kept elsewhere).
SHARED_DATA = os.environ.get("MRW_SHARED_DATA") or os.path.join(HERE, "..", "..", "shared", "data")
MISSING_SHARED_DATA = "(shared/data beside the repository, or set MRW_SHARED_DATA to that folder)"
FRUITS_PHOTOS = os.path.join(SHARED_DATA, "fruits_nuts", "data", "images")
DEFAULT_PHOTO = os.path.join(FRUITS_PHOTOS, "3.jpg")
CROP = (13, 7, 13 + 317, 7 + 211)  # 317x211: neither side a multiple of 8 or 16
EXIF_ORIENTATION_TAG = 0x0112

# Adam7 passes: (x start, y start, x step, y step)
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2)]


def png_chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def pack_row(row, bit_depth):
    """One row of samples (uint8) packed at bit_depth (1, 2, 4 or 8 bits, big-endian)."""
    if bit_depth == 8:
        return row.astype(np.uint8).tobytes()
    return np.packbits(np.unpackbits(row.astype(np.uint8)[:, None], axis=1)[:, 8 - bit_depth:]
                       .reshape(-1)).tobytes()


def write_interlaced_png(path, samples, color_type, bit_depth=8, palette=None, trns=None):
    """samples: [H, W, channels] uint8 (palette indices or grey at bit_depth's range)."""
    h, w = samples.shape[:2]
    raw = bytearray()
    for x0, y0, dx, dy in ADAM7:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        for row in sub:
            raw += b"\x00" + pack_row(row.reshape(-1), bit_depth)
    chunks = [png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1))]
    if palette is not None:
        chunks.append(png_chunk(b"PLTE", bytes(palette)))
    if trns is not None:
        chunks.append(png_chunk(b"tRNS", bytes(trns)))
    chunks += [png_chunk(b"IDAT", zlib.compress(bytes(raw), 9)), png_chunk(b"IEND", b"")]
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + b"".join(chunks))


def make(outdir, photo=DEFAULT_PHOTO):
    if not os.path.exists(photo):
        raise FileNotFoundError(f"{photo}: the photo for the image fixtures is missing "
                                f"{MISSING_SHARED_DATA}")
    os.makedirs(outdir, exist_ok=True)
    rgb = Image.open(photo).convert("RGB").crop(CROP)
    rgba = rgb.copy()
    rgba.putalpha(Image.linear_gradient("L").resize(rgb.size))
    grey = rgb.convert("L")
    pal = rgb.quantize(colors=200)
    pal16 = rgb.quantize(colors=16)
    files = {}

    def jpeg(name, image, **options):
        files[name] = (f"{name}.jpg", "jpeg")
        image.save(os.path.join(outdir, f"{name}.jpg"), quality=90, **options)

    def png(name, image, **options):
        files[name] = (f"{name}.png", "png")
        image.save(os.path.join(outdir, f"{name}.png"), **options)

    for sub, label in ((0, "444"), (1, "422"), (2, "420")):
        jpeg(f"jpeg-{label}-baseline", rgb, subsampling=sub)
        jpeg(f"jpeg-{label}-progressive", rgb, subsampling=sub, progressive=True)
    jpeg("jpeg-grey-baseline", grey)
    jpeg("jpeg-grey-progressive", grey, progressive=True)
    for orientation in range(2, 9):
        exif = Image.Exif()
        exif[EXIF_ORIENTATION_TAG] = orientation
        jpeg(f"jpeg-420-exif-{orientation}", rgb, subsampling=2, exif=exif.tobytes())

    png("png-rgb", rgb)
    png("png-rgba", rgba)
    png("png-grey", grey)
    png("png-grey-alpha", grey.convert("LA"))
    png("png-palette", pal)
    png("png-palette-4bit", pal16, bits=4)
    pal_t = pal.copy()
    pal_t.info["transparency"] = bytes([0, 128] + [255] * 198)
    png("png-palette-transparent", pal_t, transparency=pal_t.info["transparency"])
    png("png-grey-1bit", grey.point(lambda v: 255 if v > 100 else 0).convert("1"))

    a = np.asarray(rgb)
    g = np.asarray(grey)
    interlaced = {
        "png-rgb-interlaced": (a, 2, 8, None, None),
        "png-rgba-interlaced": (np.asarray(rgba), 6, 8, None, None),
        "png-grey-interlaced": (g[..., None], 0, 8, None, None),
        "png-grey-alpha-interlaced": (np.stack([g, 255 - g], axis=-1), 4, 8, None, None),
        "png-grey-2bit-interlaced": ((g // 64)[..., None], 0, 2, None, None),
        "png-palette-interlaced": (np.asarray(pal)[..., None], 3, 8,
                                   pal.getpalette()[:600], [0, 128, 255]),
        "png-palette-4bit-interlaced": (np.asarray(pal16)[..., None], 3, 4,
                                        pal16.getpalette()[:48], None),
    }
    for name, (samples, color_type, depth, palette, trns) in interlaced.items():
        files[name] = (f"{name}.png", "png")
        write_interlaced_png(os.path.join(outdir, f"{name}.png"), samples, color_type, depth,
                             palette, trns)

    manifest = {}
    # PIL warns that palette transparency in bytes is best made RGBA: converting is the point
    warnings.filterwarnings("ignore", "Palette images with Transparency", UserWarning)
    for name, (file, kind) in files.items():
        image = Image.open(os.path.join(outdir, file))
        if kind == "png" and "interlaced" in name and not image.info.get("interlace"):
            raise RuntimeError(f"{file}: PIL does not read it as interlaced")
        pixels = np.asarray(image.convert("RGB"))
        pixels.tofile(os.path.join(outdir, f"{name}.rgb"))
        entry = {"file": file, "kind": kind, "mode": image.mode,
                 "width": pixels.shape[1], "height": pixels.shape[0]}
        if "-exif-" in name:
            turned = np.asarray(ImageOps.exif_transpose(Image.open(os.path.join(outdir, file)))
                                .convert("RGB"))
            turned.tofile(os.path.join(outdir, f"{name}.transposed.rgb"))
            entry["transposed"] = {"width": turned.shape[1], "height": turned.shape[0]}
        manifest[name] = entry

    # 16 bits per sample: PIL would give high bytes (colour) or clipped integers (grey)
    Image.fromarray((g.astype(np.uint16) * 257)).save(os.path.join(outdir, "refused-16-bit-grey.png"))
    rgb.convert("CMYK").save(os.path.join(outdir, "refused-cmyk.jpg"), quality=90)
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    return manifest


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    made = make(*sys.argv[1:])
    print(f"{len(made)} image files in {sys.argv[1]}")
