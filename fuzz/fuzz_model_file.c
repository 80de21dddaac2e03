/* libFuzzer target for the model file reader: whatever the bytes, opening must either
 * succeed with views that can all be read, or fail with a message; never crash or leak. The
 * same bytes written to a stream in parts (sizes drawn from the bytes themselves) must give
 * the same outcome: the same message, or the same tensors with the same bytes. */
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

/* The bytes written to a stream in parts of 1 + (a byte of the input) * 61 bytes. */
static mrw_status open_streamed(const uint8_t *data, size_t size, mrw_safetensors **out,
                                mrw_error *err) {
  mrw_safetensors_stream *stream = mrw_safetensors_stream_begin();
  if (!stream) abort();
  mrw_status status = MRW_OK;
  for (size_t at = 0, k = 0; at < size && status == MRW_OK; k++) {
    size_t part = 1 + (size_t)data[(k * 7) % size] * 61;
    if (part > size - at) part = size - at;
    status = mrw_safetensors_stream_write(stream, data + at, part, err);
    at += part;
  }
  mrw_status finished = mrw_safetensors_stream_finish(stream, out, err);
  return status != MRW_OK ? status : finished;
}

static void same_tensors(const mrw_safetensors *a, const mrw_safetensors *b) {
  if (mrw_safetensors_tensor_count(a) != mrw_safetensors_tensor_count(b)) abort();
  for (size_t i = 0; i < mrw_safetensors_tensor_count(a); i++) {
    const mrw_tensor_view *x = mrw_safetensors_tensor_at(a, i), *y = mrw_safetensors_tensor_at(b, i);
    if (strcmp(x->name, y->name) != 0 || x->dtype != y->dtype || x->nbytes != y->nbytes ||
        memcmp(x->data, y->data, x->nbytes) != 0)
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mrw_safetensors *file = NULL, *streamed = NULL;
  mrw_error err, streamed_err;
  mrw_status status = mrw_safetensors_open_memory(data, size, &file, &err);
  mrw_status streamed_status = open_streamed(data, size, &streamed, &streamed_err);
  if (status != streamed_status) abort();
  if (status != MRW_OK) {
    if (strcmp(err.message, streamed_err.message) != 0) abort();
    return 0;
  }
  same_tensors(file, streamed);
  mrw_safetensors_free(streamed);
  read_tensors(file);
  (void)mrw_safetensors_metadata(file, "format");
  parse_config(file);
  mrw_safetensors_free(file);
  return 0;
}
