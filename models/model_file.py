"""Read and write the project's model and fixture files (safetensors).

Layout (https://github.com/huggingface/safetensors, format as used here):
  8 bytes   little-endian u64 N = length of the JSON header
  N bytes   UTF-8 JSON object: {"__metadata__": {str: str}, name: {"dtype", "shape",
            "data_offsets": [begin, end]}, ...}; offsets are relative to the data start.
            The header is padded with trailing spaces so the data starts at a multiple of 16.
  data      raw little-endian tensors, contiguous, in header order, no gaps.

An I8 tensor is a weight quantized per output channel (its first dimension): element e of
row r stands for float32(q[e]) * scales[r], the scales in the F32 tensor named like it plus
".int8_scales" (every scale finite and > 0). decode_model gives such weights back as float32
(dequantized) and drops the scales; decode keeps both as stored.

Model files carry __metadata__ = {"format": "maskrcnn-wasm", "format_version": "1",
"config": json.dumps(config)}; fixture files carry {"format": "maskrcnn-wasm-fixture", ...}
plus any extra string entries.

Only numpy and the standard library are used, so tests can import this module cheaply.
All functions are pure except the read_*/write_* file helpers.
"""

import gzip
import json
import os
import struct

import numpy as np

MODEL_FORMAT = "maskrcnn-wasm"
FIXTURE_FORMAT = "maskrcnn-wasm-fixture"
FORMAT_VERSION = "1"
ALIGN = 16
MAX_HEADER_BYTES = 100 * 1024 * 1024

# safetensors dtype name -> numpy little-endian dtype
DTYPES = {
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "U8": np.dtype("u1"),
    "I8": np.dtype("i1"),
}
INT8_SCALES_SUFFIX = ".int8_scales"


class FormatError(ValueError):
    """A file or tensor set that does not follow the format."""


def dtype_name(array):
    """The safetensors dtype name of a numpy array, or FormatError."""
    for name, dt in DTYPES.items():
        if array.dtype.kind == dt.kind and array.dtype.itemsize == dt.itemsize:
            return name
    raise FormatError(f"unsupported dtype {array.dtype} (supported: F32, F16, U8, I8)")


def encode(tensors, metadata=None):
    """Serialize tensors (an ordered mapping name -> numpy array) to safetensors bytes.

    Tensors are written in the mapping's order. metadata must map str -> str.
    """
    metadata = dict(metadata or {})
    for k, v in metadata.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise FormatError(f"metadata entries must be strings: {k!r}: {v!r}")
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, array in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise FormatError(f"bad tensor name {name!r}")
        array = np.asarray(array)
        dt = dtype_name(array)
        raw = np.ascontiguousarray(array, dtype=DTYPES[dt]).tobytes()
        header[name] = {
            "dtype": dt,
            "shape": [int(d) for d in array.shape],
            "data_offsets": [offset, offset + len(raw)],
        }
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    pad = (-(8 + len(text))) % ALIGN
    text += b" " * pad
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def decode(data):
    """Parse safetensors bytes (or gzip of them) into (tensors, metadata).

    tensors is a dict name -> numpy array (a copy, in header order); metadata a dict of
    strings. Raises FormatError naming the problem for any inconsistency.
    """
    data = bytes(data)
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if len(data) < 8:
        raise FormatError("file shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER_BYTES or 8 + n > len(data):
        raise FormatError(f"header length {n} exceeds the file size {len(data)}")
    try:
        text = data[8:8 + n].decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatError(f"header is not UTF-8: {e}") from None

    def no_duplicates(pairs):
        d = {}
        for k, v in pairs:
            if k in d:
                raise FormatError(f"duplicate key {k!r} in header")
            d[k] = v
        return d

    try:
        header = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as e:
        raise FormatError(f"header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise FormatError("header is not a JSON object")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise FormatError("__metadata__ must map strings to strings")
    body = memoryview(data)[8 + n:]
    entries = []
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise FormatError(f"tensor {name!r}: entry must have dtype, shape, data_offsets")
        dt, shape, offs = info["dtype"], info["shape"], info["data_offsets"]
        if dt not in DTYPES:
            raise FormatError(f"tensor {name!r}: unsupported dtype {dt!r}")
        if not isinstance(shape, list) or not all(
                isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
            raise FormatError(f"tensor {name!r}: bad shape {shape!r}")
        if (not isinstance(offs, list) or len(offs) != 2 or not all(
                isinstance(o, int) and not isinstance(o, bool) for o in offs)
                or not 0 <= offs[0] <= offs[1]):
            raise FormatError(f"tensor {name!r}: bad data_offsets {offs!r}")
        nbytes = DTYPES[dt].itemsize * int(np.prod(shape, dtype=object))
        if offs[1] - offs[0] != nbytes:
            raise FormatError(f"tensor {name!r}: data_offsets {offs} hold {offs[1] - offs[0]} "
                              f"bytes, dtype {dt} shape {shape} needs {nbytes}")
        entries.append((offs[0], offs[1], name, dt, shape))
    entries.sort(key=lambda e: (e[0], e[1]))
    pos = 0
    for begin, end, name, _, _ in entries:
        if begin != pos:
            raise FormatError(f"tensor {name!r}: data starts at {begin}, expected {pos} "
                              "(gap or overlap)")
        pos = end
    if pos != len(body):
        raise FormatError(f"data section is {len(body)} bytes, tensors cover {pos}")
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dt = DTYPES[info["dtype"]]
        tensors[name] = np.frombuffer(body[begin:end], dtype=dt).reshape(info["shape"]).copy()
    return tensors, metadata


def model_metadata(config):
    """__metadata__ of a model file holding config (a JSON-serializable dict)."""
    return {"format": MODEL_FORMAT, "format_version": FORMAT_VERSION,
            "config": json.dumps(config)}


def fixture_metadata(extra=None):
    """__metadata__ of a fixture file; extra values are converted with str()."""
    meta = {"format": FIXTURE_FORMAT, "format_version": FORMAT_VERSION}
    for k, v in (extra or {}).items():
        meta[str(k)] = v if isinstance(v, str) else str(v)
    return meta


def quantize_int8(weight):
    """(q, scales): a weight quantized per output channel (row = first dimension), symmetric:
    scale = max |row| / 127 in float32 (1 for a row of zeros), q = round(w / scale) in
    [-127, 127] (ties to even)."""
    w = np.asarray(weight, dtype=np.float32)
    if w.ndim < 1 or w.shape[0] < 1:
        raise FormatError("an int8 weight needs rows (a first dimension)")
    rows = w.reshape(w.shape[0], -1)
    peak = np.abs(rows).max(axis=1) if rows.shape[1] else np.zeros(w.shape[0], np.float32)
    scales = np.where(peak > 0, peak / np.float32(127), np.float32(1)).astype(np.float32)
    q = np.clip(np.rint(rows / scales[:, None]), -127, 127).astype(np.int8)
    return q.reshape(w.shape), scales


def dequantize_int8(q, scales):
    """float32(q) * scale of its row, in float32: what the engine reads."""
    rows = q.reshape(q.shape[0], -1).astype(np.float32) * scales.astype(np.float32)[:, None]
    return rows.reshape(q.shape)


def encode_model(config, tensors, fp16=False, int8=()):
    """Model-file bytes: the tensors named in int8 become I8 with their scales; other float
    tensors become F16 when fp16, else F32."""
    out = {}
    int8 = set(int8)
    missing = int8 - set(tensors)
    if missing:
        raise FormatError(f"int8 asked for tensors that are not there: {sorted(missing)}")
    for name, array in tensors.items():
        array = np.asarray(array)
        if name in int8:
            if not np.all(np.isfinite(array)):
                raise FormatError(f"tensor {name!r}: non-finite values")
            out[name], out[name + INT8_SCALES_SUFFIX] = quantize_int8(array)
            continue
        if array.dtype.kind == "f":
            array = array.astype(np.float16 if fp16 else np.float32)
            if not np.all(np.isfinite(array)):
                raise FormatError(f"tensor {name!r}: non-finite values"
                                  + (" after conversion to F16" if fp16 else ""))
        out[name] = array
    return encode(out, model_metadata(config))


def decode_model(data):
    """(config, tensors, metadata) from model-file bytes; checks the format entries."""
    tensors, metadata = decode(data)
    if metadata.get("format") != MODEL_FORMAT:
        raise FormatError(f"__metadata__.format is {metadata.get('format')!r}, "
                          f"expected {MODEL_FORMAT!r}")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise FormatError(f"unsupported format_version {metadata.get('format_version')!r}")
    if "config" not in metadata:
        raise FormatError("__metadata__ has no config")
    try:
        config = json.loads(metadata["config"])
    except json.JSONDecodeError as e:
        raise FormatError(f"config is not valid JSON: {e}") from None
    return config, dequantized(tensors), metadata


def dequantized(tensors):
    """The tensors with every I8 weight dequantized (float32) and its scales dropped; refuses
    an I8 tensor without its scales and scales without their tensor, as the engine does."""
    out = {}
    for name, array in tensors.items():
        if name.endswith(INT8_SCALES_SUFFIX):
            base = name[:-len(INT8_SCALES_SUFFIX)]
            if base not in tensors or tensors[base].dtype != np.int8:
                raise FormatError(f"tensor {name!r}: int8 scales without an I8 tensor")
            continue
        if array.dtype == np.int8:
            scales = tensors.get(name + INT8_SCALES_SUFFIX)
            if (scales is None or scales.dtype != np.float32 or array.ndim < 1
                    or scales.shape != (array.shape[0],)):
                raise FormatError(f"tensor {name!r}: I8 tensor without F32 scales of shape "
                                  f"[{array.shape[0] if array.ndim else '?'}]")
            if not np.all(np.isfinite(scales) & (scales > 0)):
                raise FormatError(f"tensor {name!r}: int8 scales must be finite and > 0")
            array = dequantize_int8(array, scales)
        out[name] = array
    return out


def _write_atomic(path, data):
    # Write to a temporary name and rename, so a half-written file never looks complete.
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def write_file(path, tensors, metadata=None):
    """Write a safetensors file (see encode)."""
    _write_atomic(path, encode(tensors, metadata))


def read_file(path):
    """(tensors, metadata) of a safetensors file, plain or gzip (see decode)."""
    with open(path, "rb") as f:
        return decode(f.read())


def write_model(path, config, tensors, fp16=False, int8=()):
    """Write a model file (see encode_model)."""
    _write_atomic(path, encode_model(config, tensors, fp16, int8))


def read_model(path):
    """(config, tensors, metadata) of a model file."""
    with open(path, "rb") as f:
        return decode_model(f.read())


def write_fixture(path, tensors, extra_metadata=None):
    """Write a fixture file: tensors plus fixture metadata."""
    _write_atomic(path, encode(tensors, fixture_metadata(extra_metadata)))


def read_fixture(path):
    """(tensors, metadata) of a fixture file; checks the format entry."""
    tensors, metadata = read_file(path)
    if metadata.get("format") != FIXTURE_FORMAT:
        raise FormatError(f"__metadata__.format is {metadata.get('format')!r}, "
                          f"expected {FIXTURE_FORMAT!r}")
    return tensors, metadata
