// Feature checks by validating tiny hand-assembled WebAssembly modules.

// (module (func (result v128) i32.const 0 i8x16.splat))
const SIMD_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,       // type section: () -> v128
  0x03, 0x02, 0x01, 0x00,                         // function section: one function of type 0
  0x0a, 0x08, 0x01, 0x06, 0x00,                   // code section: one body of 6 bytes, no locals
  0x41, 0x00, 0xfd, 0x0f, 0x0b,                   // i32.const 0; i8x16.splat; end
]);

// (module (memory 1 1 shared))
const SHARED_MEMORY_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x05, 0x04, 0x01, 0x03, 0x01, 0x01,             // memory section: flags 3 (max, shared), 1..1 pages
]);

export function hasSimd() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_MODULE);
}

/** WebAssembly threads that this context may use: shared memory that validates, and
 * SharedArrayBuffer, which browsers give only to cross-origin isolated pages. */
export function hasThreads() {
  return globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function' &&
    typeof WebAssembly === 'object' && WebAssembly.validate(SHARED_MEMORY_MODULE);
}

export const probes = { SIMD_MODULE, SHARED_MEMORY_MODULE };
