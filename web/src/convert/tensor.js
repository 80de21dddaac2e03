// Tensors as a checkpoint describes them: a storage (element type, element count, bytes), an
// offset into it, a shape and strides. Every index a tensor can reach is checked against its
// storage when it is rebuilt, before anything is read or allocated; the values are read (and
// made contiguous float32) only when asked for.
import { DTYPES } from './dtypes.js';
import { ConvertError } from './errors.js';
import { listRepr } from './python-format.js';

// The most elements one tensor may have (a 1 GiB float32 array; ResNet-101's largest has 13
// million): more is not a Mask R-CNN, and a tiny file can ask for it (stride-0 views).
export const MAX_TENSOR_ELEMENTS = 2 ** 28;
const MAX_DIMS = 32;

/** A storage: dtype, numel (declared), key; bytes (a Uint8Array) once the file gives them. */
export class Storage {
  constructor(dtype, numel, key) {
    this.dtype = dtype;
    this.numel = numel;
    this.key = key;
    this.bytes = null;
  }

  /** A part of this storage (the legacy format's storage views): elements [offset, offset + numel). */
  view(offset, numel, key) {
    if (!isCount(offset) || !isCount(numel) || offset + numel > this.numel) {
      throw new ConvertError(`storage view ${key}: elements ${offset}..${offset + numel} are outside storage ${this.key} of ${this.numel} elements`);
    }
    const part = new Storage(this.dtype, numel, key);
    part.base = this;
    part.baseOffset = offset;
    return part;
  }

  data() {
    if (this.base) {
      const size = DTYPES[this.dtype].size;
      return this.base.data().subarray(this.baseOffset * size, (this.baseOffset + this.numel) * size);
    }
    if (!this.bytes) throw new ConvertError(`storage ${this.key} has no data in the file`);
    return this.bytes;
  }
}

function isCount(v) {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

export class Tensor {
  constructor(storage, offset, shape, stride) {
    this.storage = storage;
    this.dtype = storage.dtype;
    this.offset = offset;
    this.shape = shape;
    this.stride = stride;
    this.numel = shape.reduce((a, b) => a * b, 1);
  }

  /** The values as a contiguous Float32Array (floating types only), in row-major order. */
  toFloat32() {
    const type = DTYPES[this.dtype];
    const bytes = this.storage.data();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let out;
    try {
      out = new Float32Array(this.numel);
    } catch {
      throw new ConvertError(`out of memory for a tensor of shape ${listRepr(this.shape)}`);
    }
    if (this.numel === 0) return out;
    const { shape, stride, offset } = this;
    const contiguous = shape.every((d, i) => d === 1 || stride[i] === shape.slice(i + 1).reduce((a, b) => a * b, 1));
    if (contiguous) {
      for (let i = 0, at = offset * type.size; i < out.length; i++, at += type.size) out[i] = type.read(view, at);
      return out;
    }
    // strided: walk the indices like an odometer
    const n = shape.length;
    const index = new Array(n).fill(0);
    let element = offset;
    for (let i = 0; i < out.length; i++) {
      out[i] = type.read(view, element * type.size);
      for (let d = n - 1; d >= 0; d--) {
        if (++index[d] < shape[d]) {
          element += stride[d];
          break;
        }
        element -= stride[d] * (shape[d] - 1);
        index[d] = 0;
      }
    }
    return out;
  }
}

/** torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, ...), validated. */
export function rebuildTensor(storage, offset, shape, stride) {
  if (!(storage instanceof Storage)) throw new ConvertError('a tensor without a storage');
  if (!Array.isArray(shape) || !Array.isArray(stride) || shape.length !== stride.length || shape.length > MAX_DIMS) {
    throw new ConvertError(`tensor with a bad shape or stride: size ${describe(shape)}, stride ${describe(stride)}`);
  }
  if (!shape.every(isCount) || !stride.every(isCount)) {
    throw new ConvertError(`tensor with a bad shape or stride: size ${describe(shape)}, stride ${describe(stride)}`);
  }
  if (!isCount(offset)) throw new ConvertError(`tensor with a bad storage offset ${String(offset)}`);
  let numel = 1n;
  let last = BigInt(offset);
  for (let d = 0; d < shape.length; d++) {
    numel *= BigInt(shape[d]);
    if (shape[d] > 0) last += BigInt(shape[d] - 1) * BigInt(stride[d]);
  }
  if (numel > BigInt(MAX_TENSOR_ELEMENTS)) {
    throw new ConvertError(`tensor of shape ${listRepr(shape)} has ${numel} elements, more than the ${MAX_TENSOR_ELEMENTS} a checkpoint tensor may have`);
  }
  if (numel > 0n && last >= BigInt(storage.numel)) {
    throw new ConvertError(`tensor of shape ${listRepr(shape)} (stride ${listRepr(stride)}, storage offset ${offset}) reaches past the end of its storage '${storage.key}': element ${last} of ${storage.numel}`);
  }
  return new Tensor(storage, offset, [...shape], [...stride]);
}

function describe(v) {
  return Array.isArray(v) ? listRepr(v.map((x) => (typeof x === 'number' || typeof x === 'bigint' ? x : String(x)))) : String(v);
}
