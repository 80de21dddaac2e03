/* The npm package's WebAssembly modules export the public C API (see CMakeLists.txt beside
 * this file) and, from this unit, the facts of its binary layout that the JavaScript engine
 * needs (web/src/engine/engine.js reads them when it starts): the C side states them, so the
 * two cannot drift apart. */
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>

#include "maskrcnn_wasm.h"

size_t mrw_js_layout(char *dst, size_t capacity);
size_t mrw_js_allocated_bytes(void);

/* The layout as JSON: mrw_segment_options' size and field offsets, the pointer and int sizes,
 * the RGBA pixel format's value, mrw_model_load_buffer's padding and the API's limits. Writes
 * at most capacity bytes including the NUL and returns the length without it (like
 * snprintf; 0 on an encoding error). */
size_t mrw_js_layout(char *dst, size_t capacity) {
  int n = snprintf(
      dst, capacity,
      "{\"options\":{\"size\":%zu,\"score_threshold\":%zu,\"max_instances\":%zu,"
      "\"mask_threshold\":%zu},\"pointer_size\":%zu,\"int_size\":%zu,\"float_size\":%zu,"
      "\"pixels_rgba\":%d,\"model_buffer_padding\":%d,\"max_image_side\":%d,\"max_threads\":%d,"
      "\"stages\":%d}",
      sizeof(mrw_segment_options), offsetof(mrw_segment_options, score_threshold),
      offsetof(mrw_segment_options, max_instances), offsetof(mrw_segment_options, mask_threshold),
      sizeof(void *), sizeof(int), sizeof(float), (int)MRW_PIXELS_RGBA, MRW_MODEL_BUFFER_PADDING,
      MRW_MAX_IMAGE_SIDE, MRW_MAX_THREADS, MRW_STAGES);
  return n < 0 ? 0 : (size_t)n;
}

/* Bytes the allocator has handed out and not had back: what the package's memory test counts
 * (the WebAssembly memory itself only grows, in large steps, and hides small leaks). */
size_t mrw_js_allocated_bytes(void) { return (size_t)mallinfo().uordblks; }
