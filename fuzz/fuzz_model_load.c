/* libFuzzer target for the whole model load through the public API: the file reader, the
 * configuration's validation and the binding of every weight. Whatever the bytes, the load
 * either succeeds or fails with a message, never crashes or leaks; a model that loads
 * segments a small image. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "maskrcnn_wasm.h"

#define IMAGE_WIDTH 40
#define IMAGE_HEIGHT 30

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mrw_model *model = mrw_model_create(1);
  if (!model) return 0;
  if (mrw_model_load_memory(model, data, size) == MRW_OK) {
    static const uint8_t gray = 128;
    uint8_t pixels[IMAGE_WIDTH * IMAGE_HEIGHT * 3];
    for (size_t i = 0; i < sizeof pixels; i++) pixels[i] = (uint8_t)(gray + (i * 7919u) % 97u);
    mrw_result *result = NULL;
    if (mrw_model_segment(model, pixels, IMAGE_WIDTH, IMAGE_HEIGHT, IMAGE_WIDTH * 3, MRW_PIXELS_RGB, NULL,
                          &result) == MRW_OK) {
      mrw_result_free(result);
    } else if (mrw_model_error(model)[0] == '\0') {
      abort(); /* a failure without a message */
    }
  } else if (mrw_model_error(model)[0] == '\0') {
    abort();
  }
  mrw_model_free(model);
  return 0;
}
