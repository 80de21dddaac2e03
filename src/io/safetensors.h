#ifndef MRW_IO_SAFETENSORS_H
#define MRW_IO_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "base/status.h"

/* The model file reader: a safetensors file (optionally gzip-compressed), validated in full
 * before anything is handed out. A refused file gives MRW_ERR_BAD_MODEL (MRW_ERR_UNSUPPORTED
 * for a dtype or compression this build cannot read) with a message naming the problem and
 * the tensor. The reader keeps its own copy of the bytes with the data buffer 16-byte
 * aligned, so tensor data stays valid until mrw_safetensors_free. */

typedef enum mrw_dtype { MRW_DTYPE_F32, MRW_DTYPE_F16, MRW_DTYPE_U8, MRW_DTYPE_I8 } mrw_dtype;

/* An I8 tensor is a weight quantized per output channel: element e of row r (r indexes the
 * first dimension) stands for (float)q[e] * scale[r], with the scales in the F32 tensor named
 * like it plus this suffix, of shape [rows], every scale finite and > 0. The reader pairs the
 * two at open and refuses either without the other. */
#define MRW_INT8_SCALES_SUFFIX ".int8_scales"

#define MRW_MAX_DIMS 8

typedef struct mrw_tensor_view {
  const char *name;
  mrw_dtype dtype;
  int ndim;
  int64_t shape[MRW_MAX_DIMS];
  size_t count;     /* elements */
  const void *data; /* little-endian elements; use mrw_tensor_read_f32 rather than casts */
  size_t nbytes;
  const void *scales; /* I8: the shape[0] F32 scales of its rows (little-endian); else NULL */
} mrw_tensor_view;

typedef struct mrw_safetensors mrw_safetensors;

/* Copies (or inflates) the bytes; the caller may free its buffer afterwards. */
mrw_status mrw_safetensors_open_memory(const void *bytes, size_t length, mrw_safetensors **out,
                                       mrw_error *err);
/* Takes over buffer (from malloc, with room for MRW_MODEL_FILE_ALIGNMENT bytes after the
 * length bytes of the file: the data buffer is moved into alignment in place), saving the
 * copy: the file frees it, and it is freed on failure. */
#define MRW_MODEL_FILE_ALIGNMENT 16
mrw_status mrw_safetensors_open_owned(void *buffer, size_t length, mrw_safetensors **out,
                                      mrw_error *err);
/* Reads the file a part at a time into a stream (below), so its tensors can be released as
 * they are used; error messages name the path. */
mrw_status mrw_safetensors_open_path(const char *path, mrw_safetensors **out, mrw_error *err);
void mrw_safetensors_free(mrw_safetensors *file); /* NULL is a no-op */

/* A file that arrives in parts, in order (a download, a file read a piece at a time). Each
 * tensor's bytes go into a block of their own as they arrive, once the header is in; a
 * reader of the file can then free each tensor when done with it (mrw_safetensors_release),
 * so the file is never whole in memory beside what is built from it. A file whose header
 * does not tell its length (gzip, or a damaged header) is gathered whole and read as
 * mrw_safetensors_open_memory would, so a damaged file gets the same message either way. */
typedef struct mrw_safetensors_stream mrw_safetensors_stream;
mrw_safetensors_stream *mrw_safetensors_stream_begin(void); /* NULL when out of memory */
/* The next length bytes. A problem (out of memory, a file too large) is returned and kept:
 * later writes do nothing and finish returns it. Bytes past the file's described length are
 * counted, not kept, for finish to refuse. */
mrw_status mrw_safetensors_stream_write(mrw_safetensors_stream *stream, const void *bytes,
                                        size_t length, mrw_error *err);
/* The file written, checked as mrw_safetensors_open_memory checks it (a file cut short or
 * longer than its header describes gets that reader's message). Frees the stream. */
mrw_status mrw_safetensors_stream_finish(mrw_safetensors_stream *stream, mrw_safetensors **out,
                                         mrw_error *err);
void mrw_safetensors_stream_free(mrw_safetensors_stream *stream); /* NULL is a no-op */

/* Frees the data of every tensor whose name starts with prefix, when the file keeps its
 * tensors in blocks of their own (from a stream or mrw_safetensors_open_path); a file read
 * whole from memory keeps them. A released tensor is no longer found by name. */
void mrw_safetensors_release(mrw_safetensors *file, const char *prefix);

/* Hands over the block that holds one tensor's bytes, when the file keeps its tensors in
 * blocks of their own, has been offered (mrw_safetensors_offer_blocks: its reader builds from
 * it once) and the block has room for `bytes` (blocks are the tensor's size rounded up to
 * MRW_MODEL_FILE_ALIGNMENT); else NULL, and the tensor stays. The caller frees the block
 * (free); the tensor is released as by mrw_safetensors_release. A builder that has read a
 * tensor can put what it builds from it in its place, so that the heap is not left with the
 * file's holes between the built weights. */
void mrw_safetensors_offer_blocks(mrw_safetensors *file);
void *mrw_safetensors_take_block(const mrw_safetensors *file, const mrw_tensor_view *tensor,
                                 size_t bytes);

size_t mrw_safetensors_tensor_count(const mrw_safetensors *file);
/* Tensors in data-offset order; NULL if i is out of range. */
const mrw_tensor_view *mrw_safetensors_tensor_at(const mrw_safetensors *file, size_t i);
/* O(log n) lookup by name; NULL if absent. */
const mrw_tensor_view *mrw_safetensors_find(const mrw_safetensors *file, const char *name);
/* A "__metadata__" string value, or NULL. */
const char *mrw_safetensors_metadata(const mrw_safetensors *file, const char *key);

const char *mrw_dtype_name(mrw_dtype dtype); /* "F32", "F16", "U8", "I8" */

/* Converts the count elements of t (F32 or F16; U8 gives each byte's value as a float; I8 its
 * value times its row's scale, in float) into dst. count must equal t->count. Works whatever
 * the alignment of t->data. */
mrw_status mrw_tensor_read_f32(const mrw_tensor_view *t, float *dst, size_t count,
                               mrw_error *err);
/* The same for elements [first, first + count) of the flattened tensor. */
mrw_status mrw_tensor_read_f32_range(const mrw_tensor_view *t, size_t first, size_t count,
                                     float *dst, mrw_error *err);

#ifdef __cplusplus
}
#endif

#endif
