/* The npm package's WebAssembly modules export the public C API (see CMakeLists.txt beside
 * this file); this unit only gives their link a source of its own. */
#include "maskrcnn_wasm.h"
