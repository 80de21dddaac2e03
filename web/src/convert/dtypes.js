// The element types of torch storages: the storage class names pickles refer to, and how to
// read one element as a float (little-endian).
import { float16Value } from './float16.js';

/** dtype -> { size, floating, read(view, byteOffset) -> number } (numpy's dtype names). */
export const DTYPES = {
  float32: { size: 4, floating: true, read: (v, at) => v.getFloat32(at, true) },
  float64: { size: 8, floating: true, read: (v, at) => v.getFloat64(at, true) },
  float16: { size: 2, floating: true, read: (v, at) => float16Value(v.getUint16(at, true)) },
  // bfloat16: the top half of a float32
  bfloat16: { size: 2, floating: true, read: (v, at) => bfloat16Value(v.getUint16(at, true)) },
  int64: { size: 8, floating: false },
  int32: { size: 4, floating: false },
  int16: { size: 2, floating: false },
  int8: { size: 1, floating: false },
  uint8: { size: 1, floating: false },
  bool: { size: 1, floating: false },
  complex64: { size: 8, floating: false },
  complex128: { size: 16, floating: false },
};

const BF16 = new Float32Array(1);
const BF16_BITS = new Uint32Array(BF16.buffer);
function bfloat16Value(h) {
  BF16_BITS[0] = h << 16;
  return BF16[0];
}

/** torch's storage classes (torch.FloatStorage, ...) and their element types. */
export const STORAGE_TYPES = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  ComplexFloatStorage: 'complex64',
  ComplexDoubleStorage: 'complex128',
  UntypedStorage: 'uint8',
};
