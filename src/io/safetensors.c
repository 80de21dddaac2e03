#include "io/safetensors.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/checked_math.h"
#include "io/gzip.h"
#include "io/half.h"
#include "io/json.h"
#include "io/safetensors_file.h"

/* Safetensors layout:
 *
 *   [0, 8)           N: header length, unsigned 64-bit little-endian
 *   [8, 8 + N)       header: a UTF-8 JSON object (may end with spaces)
 *                      { "<tensor name>": { "dtype": "F32" | "F16" | "U8" | "I8",
 *                                           "shape": [d0, d1, ...],
 *                                           "data_offsets": [begin, end] },
 *                        ...,
 *                        "__metadata__": { "<key>": "<string>", ... } }   (optional)
 *   [8 + N, size)    data buffer: tensor t occupies [begin, end) of it, row-major,
 *                    little-endian; the tensors tile the buffer with no gap or overlap
 */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the model file reader copies little-endian tensor data as is: little-endian hosts only"
#endif

#define LENGTH_PREFIX_BYTES MRW_SAFETENSORS_PREFIX_BYTES
#define HEADER_MAX_BYTES MRW_SAFETENSORS_HEADER_MAX_BYTES
#define DATA_ALIGNMENT MRW_MODEL_FILE_ALIGNMENT
#define DIM_MAX 1099511627776.0     /* 2^40 */
#define OFFSET_MAX 9007199254740992.0 /* 2^53: every integer up to it is exact in a double */
#define NAME_IN_MESSAGE "'%.200s'"  /* names are quoted and cut short in messages */

#define FILE_MAX_BYTES MRW_SAFETENSORS_FILE_MAX_BYTES

/* Where the parts of a file lie in storage once its data buffer is aligned. */
typedef struct file_layout {
  const char *header;
  size_t header_length;
  const unsigned char *data;
  size_t data_size;
} file_layout;

static const struct {
  const char *name;
  mrw_dtype dtype;
  size_t size;
} dtype_table[] = {
    {"F32", MRW_DTYPE_F32, 4},
    {"F16", MRW_DTYPE_F16, 2},
    {"U8", MRW_DTYPE_U8, 1},
    {"I8", MRW_DTYPE_I8, 1},
};

#define DTYPE_COUNT (sizeof dtype_table / sizeof dtype_table[0])

const char *mrw_dtype_name(mrw_dtype dtype) {
  for (size_t i = 0; i < DTYPE_COUNT; i++) {
    if (dtype_table[i].dtype == dtype) return dtype_table[i].name;
  }
  return "unknown";
}

static mrw_status bad_model(mrw_error *err, const char *format, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static mrw_status bad_model(mrw_error *err, const char *format, ...) {
  char message[MRW_ERROR_MESSAGE_CAPACITY];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  return mrw_error_set(err, MRW_ERR_BAD_MODEL, "%s", message);
}

static mrw_status out_of_memory(mrw_error *err) {
  return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "model file: out of memory");
}

/* ---- the length prefix and data alignment ---- */

uint64_t mrw_safetensors_header_length(const void *prefix) {
  const unsigned char *b = prefix;
  uint64_t value = 0;
  for (int i = 7; i >= 0; i--) value = value << 8 | b[i];
  return value;
}

/* Checks the header length of the file in storage (length bytes, with room for
 * DATA_ALIGNMENT - 1 more) and moves the bytes so that the data buffer is 16-byte aligned. */
static mrw_status align_sections(unsigned char *storage, size_t length, file_layout *layout,
                                 mrw_error *err) {
  if (length == 0) return bad_model(err, "empty file");
  if (length < LENGTH_PREFIX_BYTES) {
    return bad_model(err, "truncated: %zu bytes, fewer than the 8-byte header length", length);
  }
  uint64_t header_length = mrw_safetensors_header_length(storage);
  if (header_length > HEADER_MAX_BYTES) {
    return bad_model(err, "header length %" PRIu64 " exceeds the limit of %u bytes",
                     header_length, HEADER_MAX_BYTES);
  }
  if (header_length > length - LENGTH_PREFIX_BYTES) {
    return bad_model(err, "truncated: header length %" PRIu64 " but only %zu bytes follow",
                     header_length, length - LENGTH_PREFIX_BYTES);
  }
  size_t data_start = LENGTH_PREFIX_BYTES + (size_t)header_length;
  size_t misalignment = (uintptr_t)(storage + data_start) % DATA_ALIGNMENT;
  size_t shift = (DATA_ALIGNMENT - misalignment) % DATA_ALIGNMENT;
  memmove(storage + shift, storage, length);
  layout->header = (const char *)storage + shift + LENGTH_PREFIX_BYTES;
  layout->header_length = (size_t)header_length;
  layout->data = storage + shift + data_start;
  layout->data_size = length - data_start;
  return MRW_OK;
}

/* ---- one tensor entry ---- */

static mrw_status tensor_error(mrw_error *err, mrw_status status, const char *name,
                               const char *format, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static mrw_status tensor_error(mrw_error *err, mrw_status status, const char *name,
                               const char *format, ...) {
  char detail[MRW_ERROR_MESSAGE_CAPACITY];
  va_list args;
  va_start(args, format);
  vsnprintf(detail, sizeof detail, format, args);
  va_end(args);
  return mrw_error_set(err, status, "tensor " NAME_IN_MESSAGE ": %s", name, detail);
}

/* Reads v as an integer in [0, limit]; `what` names the value in messages. */
static mrw_status read_integer(const mrw_json *v, double limit, const char *name,
                               const char *what, uint64_t *out, mrw_error *err) {
  if (mrw_json_type_of(v) != MRW_JSON_NUMBER) {
    return tensor_error(err, MRW_ERR_BAD_MODEL, name, "%s must be a number", what);
  }
  double x = mrw_json_number(v);
  if (x < 0) return tensor_error(err, MRW_ERR_BAD_MODEL, name, "%s is negative (%g)", what, x);
  if (x > limit) {
    return tensor_error(err, MRW_ERR_BAD_MODEL, name, "%s = %.17g exceeds the limit %.0f", what,
                        x, limit);
  }
  if ((double)(uint64_t)x != x) {
    return tensor_error(err, MRW_ERR_BAD_MODEL, name, "%s is not an integer (%g)", what, x);
  }
  *out = (uint64_t)x;
  return MRW_OK;
}

static mrw_status parse_dtype(const char *name, const mrw_json *v, mrw_tensor_view *view,
                              size_t *element_size, mrw_error *err) {
  const char *dtype = mrw_json_string(v);
  if (!dtype) return tensor_error(err, MRW_ERR_BAD_MODEL, name, "dtype must be a string");
  for (size_t i = 0; i < DTYPE_COUNT; i++) {
    if (strcmp(dtype, dtype_table[i].name) == 0) {
      view->dtype = dtype_table[i].dtype;
      *element_size = dtype_table[i].size;
      return MRW_OK;
    }
  }
  return tensor_error(err, MRW_ERR_UNSUPPORTED, name, "unsupported dtype '%.32s'", dtype);
}

/* Fills the view's shape and returns the element count (overflow-checked). */
static mrw_status parse_shape(const char *name, const mrw_json *v, mrw_tensor_view *view,
                              uint64_t *elements, mrw_error *err) {
  if (mrw_json_type_of(v) != MRW_JSON_ARRAY) {
    return tensor_error(err, MRW_ERR_BAD_MODEL, name, "shape must be an array");
  }
  size_t ndim = mrw_json_length(v);
  if (ndim > MRW_MAX_DIMS) {
    return tensor_error(err, MRW_ERR_BAD_MODEL, name,
                        "shape has %zu dimensions, more than the %d supported", ndim,
                        MRW_MAX_DIMS);
  }
  uint64_t product = 1;
  for (size_t i = 0; i < ndim; i++) {
    char what[48];
    snprintf(what, sizeof what, "shape[%zu]", i);
    uint64_t dim = 0;
    mrw_status status = read_integer(mrw_json_at(v, i), DIM_MAX, name, what, &dim, err);
    if (status != MRW_OK) return status;
    if (!mrw_u64_mul(product, dim, &product)) {
      return tensor_error(err, MRW_ERR_BAD_MODEL, name, "shape has too many elements");
    }
    view->shape[i] = (int64_t)dim;
  }
  view->ndim = (int)ndim;
  *elements = product;
  return MRW_OK;
}

static mrw_status parse_offsets(const char *name, const mrw_json *v, size_t data_size,
                                size_t *begin, size_t *end, mrw_error *err) {
  if (mrw_json_type_of(v) != MRW_JSON_ARRAY || mrw_json_length(v) != 2) {
    return tensor_error(err, MRW_ERR_BAD_MODEL, name, "data_offsets must be [begin, end]");
  }
  uint64_t offsets[2] = {0, 0};
  for (size_t i = 0; i < 2; i++) {
    char what[48];
    snprintf(what, sizeof what, "data_offsets[%zu]", i);
    const mrw_json *offset = mrw_json_at(v, i);
    mrw_status status = read_integer(offset, OFFSET_MAX, name, what, &offsets[i], err);
    if (status != MRW_OK) return status;
  }
  if (offsets[0] > offsets[1]) {
    return tensor_error(err, MRW_ERR_BAD_MODEL, name,
                        "data_offsets begin %" PRIu64 " is after end %" PRIu64, offsets[0],
                        offsets[1]);
  }
  if (offsets[1] > data_size) {
    return tensor_error(err, MRW_ERR_BAD_MODEL, name,
                        "data_offsets end %" PRIu64
                        " is past the end of the data buffer (%zu bytes; truncated file?)",
                        offsets[1], data_size);
  }
  *begin = (size_t)offsets[0];
  *end = (size_t)offsets[1];
  return MRW_OK;
}

/* The entry must have exactly the keys dtype, shape and data_offsets (JSON already refused
 * duplicates, so no unexpected key and none missing means exactly these three). */
static mrw_status check_entry_keys(const char *name, const mrw_json *entry, mrw_error *err) {
  static const char *const expected[] = {"dtype", "shape", "data_offsets"};
  for (size_t i = 0; i < mrw_json_length(entry); i++) {
    const char *key = mrw_json_key_at(entry, i);
    if (strcmp(key, "dtype") != 0 && strcmp(key, "shape") != 0 &&
        strcmp(key, "data_offsets") != 0) {
      return tensor_error(err, MRW_ERR_BAD_MODEL, name,
                          "unexpected key '%.64s' (expected dtype, shape, data_offsets)", key);
    }
  }
  for (size_t i = 0; i < 3; i++) {
    if (!mrw_json_get(entry, expected[i])) {
      return tensor_error(err, MRW_ERR_BAD_MODEL, name, "missing '%s'", expected[i]);
    }
  }
  return MRW_OK;
}

static mrw_status parse_tensor(const char *name, const mrw_json *entry, size_t data_size,
                               mrw_tensor_entry *out, mrw_error *err) {
  mrw_tensor_view *view = &out->view;
  if (name[0] == '\0') return bad_model(err, "a tensor has an empty name");
  if (mrw_json_type_of(entry) != MRW_JSON_OBJECT) {
    return tensor_error(err, MRW_ERR_BAD_MODEL, name, "entry must be an object");
  }
  mrw_status status = check_entry_keys(name, entry, err);
  size_t element_size = 0, begin = 0, end = 0;
  uint64_t elements = 0, nbytes = 0;
  const mrw_json *dtype = mrw_json_get(entry, "dtype");
  const mrw_json *shape = mrw_json_get(entry, "shape");
  const mrw_json *offsets = mrw_json_get(entry, "data_offsets");
  if (status == MRW_OK) status = parse_dtype(name, dtype, view, &element_size, err);
  if (status == MRW_OK) status = parse_shape(name, shape, view, &elements, err);
  if (status == MRW_OK) {
    status = parse_offsets(name, offsets, data_size, &begin, &end, err);
  }
  if (status != MRW_OK) return status;
  if (!mrw_u64_mul(elements, element_size, &nbytes) || nbytes != end - begin) {
    return tensor_error(err, MRW_ERR_BAD_MODEL, name,
                        "size mismatch: %" PRIu64 " %s elements but data_offsets span %zu bytes",
                        elements, mrw_dtype_name(view->dtype), end - begin);
  }
  view->name = name;
  view->count = (size_t)elements; /* fits: elements * size == end - begin, a size_t */
  view->nbytes = end - begin;
  out->begin = begin;
  return MRW_OK;
}

/* ---- the whole header ---- */

static mrw_status check_metadata(const mrw_json *metadata, mrw_error *err) {
  if (mrw_json_type_of(metadata) != MRW_JSON_OBJECT) {
    return bad_model(err, "__metadata__ must be an object of strings");
  }
  for (size_t i = 0; i < mrw_json_length(metadata); i++) {
    if (mrw_json_type_of(mrw_json_at(metadata, i)) != MRW_JSON_STRING) {
      return bad_model(err, "__metadata__ value of " NAME_IN_MESSAGE " must be a string",
                       mrw_json_key_at(metadata, i));
    }
  }
  return MRW_OK;
}

static mrw_status parse_header_json(const char *text, size_t length, mrw_json **header,
                                    mrw_error *err) {
  mrw_error json_err = {0};
  mrw_status status = mrw_json_parse(text, length, header, &json_err);
  if (status == MRW_ERR_INVALID_ARGUMENT) status = MRW_ERR_BAD_MODEL;
  if (status != MRW_OK) return mrw_error_set(err, status, "header: %s", json_err.message);
  if (mrw_json_type_of(*header) != MRW_JSON_OBJECT) {
    return bad_model(err, "header: expected a JSON object");
  }
  return MRW_OK;
}

/* Parses the header into file->tensors (in header order) and file->metadata. */
/* ---- the data buffer's length, from the header ---- */

/* The largest data_offsets end, or 0 with *known = 0 when an entry has no offsets of the
 * expected form (the entries' own checks then say which and why). */
static uint64_t data_end(const mrw_json *header, int *known) {
  uint64_t end = 0;
  *known = 0;
  for (size_t i = 0; i < mrw_json_length(header); i++) {
    if (strcmp(mrw_json_key_at(header, i), "__metadata__") == 0) continue;
    const mrw_json *offsets = mrw_json_get(mrw_json_at(header, i), "data_offsets");
    if (mrw_json_type_of(offsets) != MRW_JSON_ARRAY || mrw_json_length(offsets) != 2) return 0;
    const mrw_json *last = mrw_json_at(offsets, 1);
    double x = mrw_json_number(last);
    if (mrw_json_type_of(last) != MRW_JSON_NUMBER || !(x >= 0 && x <= OFFSET_MAX) ||
        (double)(uint64_t)x != x)
      return 0;
    if ((uint64_t)x > end) end = (uint64_t)x;
  }
  *known = 1;
  return end;
}

static mrw_status read_header(mrw_safetensors *file, const char *text, size_t length,
                              size_t data_size, mrw_error *err) {
  mrw_status status = parse_header_json(text, length, &file->header, err);
  if (status != MRW_OK) return status;
  const mrw_json *header = file->header;
  if (data_size == MRW_SAFETENSORS_DATA_AS_DESCRIBED) {
    int known = 0;
    uint64_t end = data_end(header, &known);
    if (!known || end > FILE_MAX_BYTES - LENGTH_PREFIX_BYTES - length)
      return bad_model(err, "header: the data buffer's length is not described");
    data_size = (size_t)end;
  }
  file->data_size = data_size;
  file->metadata = mrw_json_get(header, "__metadata__");
  size_t count = mrw_json_length(header) - (file->metadata ? 1 : 0);
  file->tensors = calloc(count ? count : 1, sizeof *file->tensors);
  if (!file->tensors) return out_of_memory(err);
  if (file->metadata) {
    status = check_metadata(file->metadata, err);
    if (status != MRW_OK) return status;
  }
  for (size_t i = 0; i < mrw_json_length(header); i++) {
    const char *name = mrw_json_key_at(header, i);
    if (strcmp(name, "__metadata__") == 0) continue;
    mrw_tensor_entry *entry = &file->tensors[file->tensor_count];
    status = parse_tensor(name, mrw_json_at(header, i), data_size, entry, err);
    if (status != MRW_OK) return status;
    file->tensor_count++;
  }
  return MRW_OK;
}

/* ---- tiling of the data buffer ---- */

static int compare_by_offset(const void *a, const void *b) {
  const mrw_tensor_entry *x = a, *y = b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  if (x->view.nbytes != y->view.nbytes) return x->view.nbytes < y->view.nbytes ? -1 : 1;
  return strcmp(x->view.name, y->view.name);
}

/* With the tensors sorted by offset, each must begin where the previous one ended. */
static mrw_status gap_at_end(size_t covered, size_t data_size, mrw_error *err) {
  return bad_model(err, "gap in the data buffer: bytes [%zu, %zu) at its end belong to no "
                   "tensor", covered, data_size);
}

static mrw_status check_tiling(const mrw_safetensors *file, size_t data_size, mrw_error *err) {
  size_t covered = 0;
  const char *previous = NULL;
  for (size_t i = 0; i < file->tensor_count; i++) {
    const mrw_tensor_view *t = &file->tensors[i].view;
    size_t begin = file->tensors[i].begin;
    if (begin < covered) {
      return bad_model(err, "tensors " NAME_IN_MESSAGE " and " NAME_IN_MESSAGE
                       " overlap: data_offsets begin %zu is before the end %zu of the first",
                       previous, t->name, begin, covered);
    }
    if (begin > covered) {
      return bad_model(err, "gap in the data buffer: bytes [%zu, %zu) before tensor "
                       NAME_IN_MESSAGE " belong to no tensor", covered, begin, t->name);
    }
    covered = begin + t->nbytes;
    previous = t->name;
  }
  if (covered != data_size) return gap_at_end(covered, data_size, err);
  return MRW_OK;
}

static int compare_by_name(const void *a, const void *b) {
  const mrw_tensor_view *const *x = a, *const *y = b;
  return strcmp((*x)->name, (*y)->name);
}

static mrw_status index_names(mrw_safetensors *file, mrw_error *err) {
  file->by_name = malloc((file->tensor_count ? file->tensor_count : 1) * sizeof *file->by_name);
  if (!file->by_name) return out_of_memory(err);
  for (size_t i = 0; i < file->tensor_count; i++) file->by_name[i] = &file->tensors[i].view;
  qsort(file->by_name, file->tensor_count, sizeof *file->by_name, compare_by_name);
  return MRW_OK;
}

mrw_status mrw_safetensors_parse_header(mrw_safetensors *file, const char *header,
                                        size_t header_length, size_t data_size, mrw_error *err) {
  mrw_status status = read_header(file, header, header_length, data_size, err);
  if (status == MRW_OK) {
    qsort(file->tensors, file->tensor_count, sizeof *file->tensors, compare_by_offset);
    status = check_tiling(file, file->data_size, err);
  }
  if (status == MRW_OK) status = index_names(file, err);
  return status;
}

mrw_status mrw_safetensors_size_error(const mrw_safetensors *file, size_t described,
                                      size_t actual, mrw_error *err) {
  if (actual > described) return gap_at_end(described, actual, err);
  /* the first entry in header order that ends past the data, as the reader finds it */
  for (size_t i = 0; i < mrw_json_length(file->header); i++) {
    const char *name = mrw_json_key_at(file->header, i);
    if (strcmp(name, "__metadata__") == 0) continue;
    size_t begin = 0, end = 0;
    mrw_status s = parse_offsets(name, mrw_json_get(mrw_json_at(file->header, i), "data_offsets"),
                                 actual, &begin, &end, err);
    if (s != MRW_OK) return s;
  }
  return mrw_error_set(err, MRW_ERR_INTERNAL, "model file: %zu data bytes, %zu described",
                       actual, described);
}

void mrw_safetensors_release(mrw_safetensors *file, const char *prefix) {
  if (!file || file->storage || !prefix) return;
  size_t n = strlen(prefix);
  for (size_t i = 0; i < file->tensor_count; i++) {
    mrw_tensor_entry *t = &file->tensors[i];
    if (t->released || strncmp(t->view.name, prefix, n) != 0) continue;
    free(t->block);
    t->block = NULL;
    t->view.data = NULL;
    t->released = 1;
  }
}

void mrw_safetensors_offer_blocks(mrw_safetensors *file) {
  if (file) file->blocks_for_taking = 1;
}

void *mrw_safetensors_take_block(const mrw_safetensors *file, const mrw_tensor_view *tensor,
                                 size_t bytes) {
  if (!file || file->storage || !file->blocks_for_taking || !tensor) return NULL;
  /* the view is the first member of its entry, inside the file's (non-const) table */
  size_t index = (size_t)((const mrw_tensor_entry *)tensor - file->tensors);
  if (index >= file->tensor_count) return NULL;
  mrw_tensor_entry *t = &file->tensors[index];
  size_t capacity = (t->view.nbytes + DATA_ALIGNMENT - 1) / DATA_ALIGNMENT * DATA_ALIGNMENT;
  if (t->released || !t->block || bytes > capacity) return NULL;
  void *block = t->block;
  t->block = NULL;
  t->view.data = NULL;
  t->released = 1;
  return block;
}

/* ---- int8 tensors and their scales ---- */

static int has_scales_suffix(const char *name) {
  size_t n = strlen(name), k = strlen(MRW_INT8_SCALES_SUFFIX);
  return n > k && strcmp(name + n - k, MRW_INT8_SCALES_SUFFIX) == 0;
}

/* Binds an I8 tensor to its scales (see MRW_INT8_SCALES_SUFFIX), checking them in full. */
static mrw_status bind_scales(const mrw_safetensors *file, mrw_tensor_view *t, mrw_error *err) {
  if (t->ndim < 1 || t->shape[0] < 1)
    return tensor_error(err, MRW_ERR_BAD_MODEL, t->name, "an I8 tensor needs rows (a first dimension)");
  size_t length = strlen(t->name) + sizeof MRW_INT8_SCALES_SUFFIX;
  char *name = malloc(length);
  if (!name) return out_of_memory(err);
  snprintf(name, length, "%s%s", t->name, MRW_INT8_SCALES_SUFFIX);
  const mrw_tensor_view *scales = mrw_safetensors_find(file, name);
  free(name);
  if (!scales)
    return tensor_error(err, MRW_ERR_BAD_MODEL, t->name,
                        "I8 tensor without its scales (an F32 tensor named like it + '%s')",
                        MRW_INT8_SCALES_SUFFIX);
  if (scales->dtype != MRW_DTYPE_F32 || scales->ndim != 1 || scales->shape[0] != t->shape[0])
    return tensor_error(err, MRW_ERR_BAD_MODEL, scales->name,
                        "the scales of an I8 tensor must be F32 of shape [%" PRId64 "]", t->shape[0]);
  for (size_t r = 0; r < scales->count; r++) {
    float v;
    memcpy(&v, (const unsigned char *)scales->data + 4 * r, sizeof v);
    if (!(v > 0.0f && v <= 3.4e38f))
      return tensor_error(err, MRW_ERR_BAD_MODEL, scales->name,
                          "scale %zu is %g, not a finite number > 0", r, (double)v);
  }
  t->scales = scales->data;
  return MRW_OK;
}

/* Every I8 tensor gets its scales; scales without their I8 tensor are refused. */
mrw_status mrw_safetensors_pair_scales(mrw_safetensors *file, mrw_error *err) {
  for (size_t i = 0; i < file->tensor_count; i++) {
    mrw_tensor_view *t = &file->tensors[i].view;
    if (t->dtype == MRW_DTYPE_I8) {
      mrw_status s = bind_scales(file, t, err);
      if (s != MRW_OK) return s;
    } else if (has_scales_suffix(t->name)) {
      size_t base_length = strlen(t->name) - strlen(MRW_INT8_SCALES_SUFFIX);
      char *base = malloc(base_length + 1);
      if (!base) return out_of_memory(err);
      memcpy(base, t->name, base_length);
      base[base_length] = '\0';
      const mrw_tensor_view *weight = mrw_safetensors_find(file, base);
      free(base);
      int paired = weight && weight->dtype == MRW_DTYPE_I8;
      if (!paired)
        return tensor_error(err, MRW_ERR_BAD_MODEL, t->name, "int8 scales without an I8 tensor");
    }
  }
  return MRW_OK;
}

/* ---- opening ---- */

/* Takes ownership of storage: length bytes of an uncompressed file with room for
 * DATA_ALIGNMENT - 1 more. */
static mrw_status load_storage(unsigned char *storage, size_t length, mrw_safetensors **out,
                               mrw_error *err) {
  mrw_safetensors *file = calloc(1, sizeof *file);
  if (!file) {
    free(storage);
    return out_of_memory(err);
  }
  file->storage = storage;
  file_layout layout = {0};
  mrw_status status = align_sections(storage, length, &layout, err);
  if (status == MRW_OK)
    status = mrw_safetensors_parse_header(file, layout.header, layout.header_length,
                                          layout.data_size, err);
  if (status == MRW_OK) {
    for (size_t i = 0; i < file->tensor_count; i++)
      file->tensors[i].view.data = layout.data + file->tensors[i].begin;
    status = mrw_safetensors_pair_scales(file, err);
  }
  if (status != MRW_OK) {
    mrw_safetensors_free(file);
    return status;
  }
  *out = file;
  return MRW_OK;
}

/* Inflates gzip bytes into a new buffer with room to align the data buffer. */
static mrw_status inflate_file(const void *bytes, size_t length, unsigned char **storage,
                               size_t *storage_length, mrw_error *err) {
  unsigned char *inflated = NULL;
  size_t inflated_length = 0;
  mrw_status status =
      mrw_gzip_inflate(bytes, length, FILE_MAX_BYTES, &inflated, &inflated_length, err);
  if (status != MRW_OK) return status;
  unsigned char *roomy = realloc(inflated, inflated_length + DATA_ALIGNMENT);
  if (!roomy) {
    free(inflated);
    return out_of_memory(err);
  }
  *storage = roomy;
  *storage_length = inflated_length;
  return MRW_OK;
}

static mrw_status file_too_large(size_t length, mrw_error *err) {
  return bad_model(err, "file of %zu bytes exceeds the limit of %zu bytes", length,
                   (size_t)FILE_MAX_BYTES);
}

mrw_status mrw_safetensors_open_memory(const void *bytes, size_t length, mrw_safetensors **out,
                                       mrw_error *err) {
  if (!out || (!bytes && length > 0)) {
    return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT,
                         "model file: no bytes or no output given");
  }
  *out = NULL;
  unsigned char *storage = NULL;
  if (mrw_gzip_detect(bytes, length)) {
    size_t inflated_length = 0;
    mrw_status status = inflate_file(bytes, length, &storage, &inflated_length, err);
    if (status != MRW_OK) return status;
    return load_storage(storage, inflated_length, out, err);
  }
  if (length > FILE_MAX_BYTES) return file_too_large(length, err);
  storage = malloc(length + DATA_ALIGNMENT);
  if (!storage) return out_of_memory(err);
  if (length > 0) memcpy(storage, bytes, length);
  return load_storage(storage, length, out, err);
}

mrw_status mrw_safetensors_open_owned(void *buffer, size_t length, mrw_safetensors **out,
                                      mrw_error *err) {
  if (!out || !buffer) {
    free(buffer);
    return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT,
                         "model file: no bytes or no output given");
  }
  *out = NULL;
  if (mrw_gzip_detect(buffer, length)) {
    unsigned char *storage = NULL;
    size_t inflated_length = 0;
    mrw_status status = inflate_file(buffer, length, &storage, &inflated_length, err);
    free(buffer);
    if (status != MRW_OK) return status;
    return load_storage(storage, inflated_length, out, err);
  }
  if (length > FILE_MAX_BYTES) {
    free(buffer);
    return file_too_large(length, err);
  }
  return load_storage(buffer, length, out, err);
}

/* Read a part at a time into a stream: tensors in blocks of their own, that a reader can
 * release as it goes (a gzip file or a damaged header is gathered whole, as from memory). */
#define READ_PART_BYTES ((size_t)1 << 20)

static mrw_status open_path(const char *path, mrw_safetensors **out, mrw_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return mrw_error_set(err, MRW_ERR_IO, "cannot open (%s)", strerror(errno));
  mrw_safetensors_stream *stream = mrw_safetensors_stream_begin();
  unsigned char *part = malloc(READ_PART_BYTES);
  mrw_status status = stream && part ? MRW_OK : out_of_memory(err);
  while (status == MRW_OK) {
    size_t got = fread(part, 1, READ_PART_BYTES, f);
    if (got > 0) status = mrw_safetensors_stream_write(stream, part, got, err);
    if (got < READ_PART_BYTES) break; /* end of file or error */
  }
  if (status == MRW_OK && ferror(f))
    status = mrw_error_set(err, MRW_ERR_IO, "read error (%s)", strerror(errno));
  free(part);
  fclose(f);
  if (status != MRW_OK) {
    mrw_safetensors_stream_free(stream);
    return status;
  }
  return mrw_safetensors_stream_finish(stream, out, err);
}

mrw_status mrw_safetensors_open_path(const char *path, mrw_safetensors **out, mrw_error *err) {
  if (!path || !out) {
    return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT,
                         "model file: no path or no output given");
  }
  *out = NULL;
  mrw_error detail = {0};
  mrw_status status = open_path(path, out, &detail);
  if (status != MRW_OK) {
    return mrw_error_set(err, status, "model file '%.200s': %s", path, detail.message);
  }
  return MRW_OK;
}

void mrw_safetensors_free(mrw_safetensors *file) {
  if (!file) return;
  for (size_t i = 0; i < file->tensor_count; i++) free(file->tensors[i].block);
  free(file->by_name);
  free(file->tensors);
  mrw_json_free(file->header);
  free(file->storage);
  free(file);
}

/* ---- queries ---- */

size_t mrw_safetensors_tensor_count(const mrw_safetensors *file) {
  return file ? file->tensor_count : 0;
}

const mrw_tensor_view *mrw_safetensors_tensor_at(const mrw_safetensors *file, size_t i) {
  return file && i < file->tensor_count ? &file->tensors[i].view : NULL;
}

const mrw_tensor_view *mrw_safetensors_find(const mrw_safetensors *file, const char *name) {
  if (!file || !name) return NULL;
  size_t low = 0, high = file->tensor_count;
  while (low < high) {
    size_t middle = low + (high - low) / 2;
    int order = strcmp(name, file->by_name[middle]->name);
    if (order == 0) {
      const mrw_tensor_view *view = file->by_name[middle];
      return ((const mrw_tensor_entry *)view)->released ? NULL : view;
    }
    if (order < 0) high = middle;
    else low = middle + 1;
  }
  return NULL;
}

const char *mrw_safetensors_metadata(const mrw_safetensors *file, const char *key) {
  return file ? mrw_json_string(mrw_json_get(file->metadata, key)) : NULL;
}

/* ---- conversion ---- */

mrw_status mrw_tensor_read_f32(const mrw_tensor_view *t, float *dst, size_t count,
                               mrw_error *err) {
  if (t && count != t->count) {
    return tensor_error(err, MRW_ERR_INVALID_ARGUMENT, t->name,
                        "asked for %zu elements, the tensor has %zu", count, t->count);
  }
  return mrw_tensor_read_f32_range(t, 0, count, dst, err);
}

mrw_status mrw_tensor_read_f32_range(const mrw_tensor_view *t, size_t first, size_t count,
                                     float *dst, mrw_error *err) {
  if (!t || (!dst && count > 0)) {
    return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT,
                         "tensor read: no tensor or no destination");
  }
  if (first > t->count || count > t->count - first) {
    return tensor_error(err, MRW_ERR_INVALID_ARGUMENT, t->name,
                        "asked for elements %zu..%zu, the tensor has %zu", first,
                        first + count, t->count);
  }
  const unsigned char *src = t->data;
  switch (t->dtype) {
    case MRW_DTYPE_F32:
      if (count > 0) memcpy(dst, src + 4 * first, count * sizeof *dst); /* nbytes == count * 4 */
      return MRW_OK;
    case MRW_DTYPE_F16:
      for (size_t i = 0; i < count; i++) {
        uint16_t half;
        memcpy(&half, src + 2 * (first + i), sizeof half);
        dst[i] = mrw_half_to_float(half);
      }
      return MRW_OK;
    case MRW_DTYPE_U8:
      for (size_t i = 0; i < count; i++) dst[i] = (float)src[first + i];
      return MRW_OK;
    case MRW_DTYPE_I8: {
      size_t per_row = t->count / (size_t)t->shape[0];
      for (size_t i = 0; i < count; i++) {
        size_t e = first + i;
        float scale;
        memcpy(&scale, (const unsigned char *)t->scales + 4 * (e / per_row), sizeof scale);
        dst[i] = (float)(int8_t)src[e] * scale;
      }
      return MRW_OK;
    }
  }
  return tensor_error(err, MRW_ERR_INTERNAL, t->name, "unknown dtype %d", (int)t->dtype);
}
