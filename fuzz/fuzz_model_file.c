/* libFuzzer target for the model file reader: whatever the bytes, opening must either
 * succeed with views that can all be read, or fail with a message; never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "io/json.h"
#include "io/safetensors.h"

/* Tensors above this many elements are skipped to keep each run fast. */
#define MAX_READ_ELEMENTS (16u * 1024 * 1024)

static void read_tensors(const mrw_safetensors *file) {
  for (size_t i = 0; i < mrw_safetensors_tensor_count(file); i++) {
    const mrw_tensor_view *t = mrw_safetensors_tensor_at(file, i);
    if (t->count > MAX_READ_ELEMENTS) continue;
    float *scratch = malloc((t->count ? t->count : 1) * sizeof *scratch);
    if (!scratch) continue;
    mrw_error err;
    mrw_tensor_read_f32(t, scratch, t->count, &err);
    free(scratch);
    if (mrw_safetensors_find(file, t->name) != t) abort(); /* names are unique and indexed */
  }
}

static void parse_config(const mrw_safetensors *file) {
  const char *config = mrw_safetensors_metadata(file, "config");
  if (!config) return;
  mrw_json *root = NULL;
  mrw_error err;
  if (mrw_json_parse(config, strlen(config), &root, &err) == MRW_OK) mrw_json_free(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mrw_safetensors *file = NULL;
  mrw_error err;
  if (mrw_safetensors_open_memory(data, size, &file, &err) != MRW_OK) return 0;
  read_tensors(file);
  (void)mrw_safetensors_metadata(file, "format");
  parse_config(file);
  mrw_safetensors_free(file);
  return 0;
}
