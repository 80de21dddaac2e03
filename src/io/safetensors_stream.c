#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"
#include "io/safetensors_file.h"

/* A file arriving in parts goes through two phases:
 *
 *   gathering   the first bytes are kept in `head` until they hold the whole header (the
 *               first 8 bytes give its length); a header that cannot tell the data's length
 *               (gzip, not the expected JSON) or that the reader refuses keeps the stream
 *               gathering to the end, for the whole-file reader to name the problem
 *   placing     the header is parsed into `file`; every later byte of the data buffer goes
 *               into the block of the tensor that owns it (allocated when its first byte
 *               arrives), found by a cursor that moves with the offset, as the tensors are
 *               sorted by offset and tile the buffer
 */

#define ALIGNMENT MRW_MODEL_FILE_ALIGNMENT

struct mrw_safetensors_stream {
  mrw_status status; /* the first problem, kept for finish */
  mrw_error error;
  /* gathering */
  unsigned char *head; /* with ALIGNMENT spare bytes, for mrw_safetensors_open_owned */
  size_t head_length, head_capacity;
  size_t needed; /* the head's length with the whole header, once known */
  int whole;     /* gather to the end */
  /* placing */
  mrw_safetensors *file;
  size_t data_start, data_size; /* where the data buffer begins in the file, its length */
  size_t offset;                /* bytes of the file written so far */
  size_t cursor;                /* the tensor that holds the next data byte */
};

mrw_safetensors_stream *mrw_safetensors_stream_begin(void) {
  mrw_safetensors_stream *s = calloc(1, sizeof *s);
  return s;
}

void mrw_safetensors_stream_free(mrw_safetensors_stream *s) {
  if (!s) return;
  free(s->head);
  mrw_safetensors_free(s->file);
  free(s);
}

static mrw_status fail(mrw_safetensors_stream *s, mrw_status status, const char *message,
                       mrw_error *err) {
  s->status = status;
  mrw_error_set(&s->error, status, "%s", message);
  return mrw_error_set(err, status, "%s", message);
}

static mrw_status keep_failure(mrw_safetensors_stream *s, mrw_error *err) {
  return mrw_error_set(err, s->status, "%s", s->error.message);
}

static mrw_status gather(mrw_safetensors_stream *s, const unsigned char *bytes, size_t length,
                         mrw_error *err) {
  if (length > MRW_SAFETENSORS_FILE_MAX_BYTES - s->head_length)
    return fail(s, MRW_ERR_BAD_MODEL, "model file: larger than the 4 GB limit", err);
  size_t wanted = s->head_length + length;
  if (wanted > s->head_capacity) {
    size_t capacity = s->head_capacity ? s->head_capacity : 4096;
    while (capacity < wanted)
      capacity = capacity > MRW_SAFETENSORS_FILE_MAX_BYTES / 2 ? wanted : capacity * 2;
    unsigned char *grown = realloc(s->head, capacity + ALIGNMENT);
    if (!grown) return fail(s, MRW_ERR_OUT_OF_MEMORY, "model file: out of memory", err);
    s->head = grown;
    s->head_capacity = capacity;
  }
  if (length) memcpy(s->head + s->head_length, bytes, length);
  s->head_length = wanted;
  return MRW_OK;
}

/* Puts data bytes (from s->offset on) into their tensors' blocks. */
static mrw_status place(mrw_safetensors_stream *s, const unsigned char *bytes, size_t length,
                        mrw_error *err) {
  while (length > 0) {
    if (s->offset < s->data_start) { /* the header, already parsed */
      size_t skip = s->data_start - s->offset < length ? s->data_start - s->offset : length;
      s->offset += skip;
      bytes += skip;
      length -= skip;
      continue;
    }
    size_t at = s->offset - s->data_start;
    if (at >= s->data_size) {
      /* past the described end: counted for finish to refuse, not kept */
      if (length > MRW_SAFETENSORS_FILE_MAX_BYTES - s->offset)
        return fail(s, MRW_ERR_BAD_MODEL, "model file: larger than the 4 GB limit", err);
      s->offset += length;
      return MRW_OK;
    }
    mrw_tensor_entry *t = &s->file->tensors[s->cursor];
    while (t->begin + t->view.nbytes <= at) t = &s->file->tensors[++s->cursor];
    if (!t->block) {
      size_t rounded = (t->view.nbytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
      t->block = aligned_alloc(ALIGNMENT, rounded ? rounded : ALIGNMENT);
      if (!t->block) return fail(s, MRW_ERR_OUT_OF_MEMORY, "model file: out of memory", err);
    }
    size_t room = t->begin + t->view.nbytes - at;
    size_t take = room < length ? room : length;
    memcpy(t->block + (at - t->begin), bytes, take);
    s->offset += take;
    bytes += take;
    length -= take;
  }
  return MRW_OK;
}

/* Once the head holds the header: parses it and places the head's data bytes. A header the
 * reader refuses leaves the stream gathering, so the whole-file reader gives the message. */
static mrw_status start_placing(mrw_safetensors_stream *s, mrw_error *err) {
  mrw_safetensors *file = calloc(1, sizeof *file);
  if (!file) return fail(s, MRW_ERR_OUT_OF_MEMORY, "model file: out of memory", err);
  mrw_error ignored = {0};
  if (mrw_safetensors_parse_header(file, (const char *)s->head + MRW_SAFETENSORS_PREFIX_BYTES,
                                   s->needed - MRW_SAFETENSORS_PREFIX_BYTES,
                                   MRW_SAFETENSORS_DATA_AS_DESCRIBED, &ignored) != MRW_OK) {
    mrw_safetensors_free(file);
    s->whole = 1;
    return MRW_OK;
  }
  s->file = file;
  s->data_start = s->needed;
  s->data_size = file->data_size;
  unsigned char *head = s->head;
  size_t head_length = s->head_length;
  s->head = NULL;
  s->head_length = s->head_capacity = 0;
  mrw_status status = place(s, head, head_length, err);
  free(head);
  return status;
}

mrw_status mrw_safetensors_stream_write(mrw_safetensors_stream *s, const void *bytes,
                                        size_t length, mrw_error *err) {
  if (!s || (!bytes && length > 0))
    return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT, "model file: no stream or no bytes");
  if (s->status != MRW_OK) return keep_failure(s, err);
  if (s->file) return place(s, bytes, length, err);
  mrw_status status = gather(s, bytes, length, err);
  if (status != MRW_OK || s->whole || s->head_length < MRW_SAFETENSORS_PREFIX_BYTES) return status;
  uint64_t header_length = mrw_safetensors_header_length(s->head);
  if (header_length > MRW_SAFETENSORS_HEADER_MAX_BYTES) {
    s->whole = 1;
    return MRW_OK;
  }
  s->needed = MRW_SAFETENSORS_PREFIX_BYTES + (size_t)header_length;
  return s->head_length >= s->needed ? start_placing(s, err) : MRW_OK;
}

mrw_status mrw_safetensors_stream_finish(mrw_safetensors_stream *s, mrw_safetensors **out,
                                         mrw_error *err) {
  if (!s || !out) {
    mrw_safetensors_stream_free(s);
    return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT, "model file: no stream or no output");
  }
  *out = NULL;
  mrw_status status = s->status;
  if (status != MRW_OK) {
    keep_failure(s, err);
  } else if (!s->file) {
    /* gathered whole: the reader takes the buffer over */
    unsigned char *head = s->head;
    size_t length = s->head_length;
    s->head = NULL;
    status = head ? mrw_safetensors_open_owned(head, length, out, err)
                  : mrw_error_set(err, MRW_ERR_BAD_MODEL, "empty file");
  } else {
    mrw_safetensors *file = s->file;
    size_t written = s->offset - s->data_start;
    if (written != s->data_size)
      status = mrw_safetensors_size_error(file, s->data_size, written, err);
    for (size_t i = 0; i < file->tensor_count && status == MRW_OK; i++) {
      mrw_tensor_entry *t = &file->tensors[i];
      if (!t->block) t->block = aligned_alloc(ALIGNMENT, ALIGNMENT); /* no bytes */
      if (!t->block)
        status = mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "model file: out of memory");
      t->view.data = t->block;
    }
    if (status == MRW_OK) status = mrw_safetensors_pair_scales(file, err);
    if (status == MRW_OK) {
      *out = file;
      s->file = NULL;
    }
  }
  mrw_safetensors_stream_free(s);
  return status;
}
