#include "io/gzip.h"

#include <stdlib.h>

bool mrw_gzip_detect(const void *bytes, size_t length) {
  const unsigned char *b = bytes;
  return length >= 2 && b[0] == 0x1F && b[1] == 0x8B;
}

#ifdef MRW_HAVE_ZLIB

#include <limits.h>
#include <stdint.h>
#include <string.h>

#define ZLIB_CONST
#include <zlib.h>

/* The output buffer starts near this size and doubles as needed. */
enum { GZIP_MIN_CAPACITY = 64 * 1024, GZIP_EXPANSION_GUESS = 4 };

/* Doubles the buffer, capped at limit; false when it is already at the limit or when
 * memory runs out (told apart by *out_of_memory). */
static bool grow_output(unsigned char **buffer, size_t *capacity, size_t limit,
                        bool *out_of_memory) {
  *out_of_memory = false;
  if (*capacity >= limit) return false;
  size_t next = *capacity > limit / 2 ? limit : *capacity * 2;
  unsigned char *grown = realloc(*buffer, next);
  if (!grown) {
    *out_of_memory = true;
    return false;
  }
  *buffer = grown;
  *capacity = next;
  return true;
}

static size_t initial_capacity(size_t compressed, size_t limit) {
  size_t guess = compressed > limit / GZIP_EXPANSION_GUESS ? limit
                                                          : compressed * GZIP_EXPANSION_GUESS;
  if (guess < GZIP_MIN_CAPACITY) guess = GZIP_MIN_CAPACITY;
  return guess < limit ? guess : limit;
}

static uInt chunk(size_t n) { return n > UINT_MAX ? UINT_MAX : (uInt)n; }

typedef struct inflate_state {
  z_stream stream;
  const unsigned char *in;
  size_t in_left;
  unsigned char *buffer;
  size_t capacity;
  size_t used;
  size_t limit; /* capacity may reach limit + 1: one byte past max_output detects excess */
} inflate_state;

/* Runs inflate over as much input and free output as zlib's 32-bit counters allow. */
static int inflate_step(inflate_state *s) {
  uInt in_chunk = chunk(s->in_left);
  uInt out_chunk = chunk(s->capacity - s->used);
  s->stream.next_in = s->in;
  s->stream.avail_in = in_chunk;
  s->stream.next_out = s->buffer + s->used;
  s->stream.avail_out = out_chunk;
  int ret = inflate(&s->stream, Z_NO_FLUSH);
  s->in += in_chunk - s->stream.avail_in;
  s->in_left -= in_chunk - s->stream.avail_in;
  s->used += out_chunk - s->stream.avail_out;
  return ret;
}

static mrw_status inflate_all(inflate_state *s, size_t max_output, mrw_error *err) {
  for (;;) {
    bool out_of_memory;
    bool full = s->used == s->capacity;
    if (full && !grow_output(&s->buffer, &s->capacity, s->limit, &out_of_memory)) {
      if (out_of_memory) return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "gzip: out of memory");
      return mrw_error_set(err, MRW_ERR_BAD_MODEL,
                           "gzip: decompressed size exceeds the limit of %zu bytes", max_output);
    }
    int ret = inflate_step(s);
    if (ret == Z_STREAM_END) break;
    if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT || ret == Z_STREAM_ERROR) {
      return mrw_error_set(err, MRW_ERR_BAD_MODEL, "gzip: corrupt data (%s)",
                           s->stream.msg ? s->stream.msg : "invalid stream");
    }
    if (ret == Z_MEM_ERROR) return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "gzip: out of memory");
    /* zlib stopped with room left in the output: it is waiting for input that never comes */
    if (s->in_left == 0 && s->used < s->capacity) {
      return mrw_error_set(err, MRW_ERR_BAD_MODEL, "gzip: truncated");
    }
  }
  if (s->used > max_output) {
    return mrw_error_set(err, MRW_ERR_BAD_MODEL,
                         "gzip: decompressed size exceeds the limit of %zu bytes", max_output);
  }
  if (s->in_left > 0) {
    return mrw_error_set(err, MRW_ERR_BAD_MODEL,
                         "gzip: %zu unexpected bytes after the compressed stream "
                         "(concatenated members are not supported)", s->in_left);
  }
  return MRW_OK;
}

mrw_status mrw_gzip_inflate(const void *bytes, size_t length, size_t max_output,
                            unsigned char **out, size_t *out_length, mrw_error *err) {
  *out = NULL;
  *out_length = 0;
  if (max_output == SIZE_MAX) max_output = SIZE_MAX - 1; /* room for the excess byte */
  inflate_state s;
  memset(&s, 0, sizeof s);
  s.in = bytes;
  s.in_left = length;
  s.limit = max_output + 1;
  s.capacity = initial_capacity(length, s.limit);
  s.buffer = malloc(s.capacity);
  if (!s.buffer) return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "gzip: out of memory");
  if (inflateInit2(&s.stream, 16 + MAX_WBITS) != Z_OK) { /* 16: expect a gzip wrapper */
    free(s.buffer);
    return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "gzip: cannot initialise zlib");
  }
  mrw_status status = inflate_all(&s, max_output, err);
  inflateEnd(&s.stream);
  if (status != MRW_OK) {
    free(s.buffer);
    return status;
  }
  *out = s.buffer;
  *out_length = s.used;
  return MRW_OK;
}

#else

mrw_status mrw_gzip_inflate(const void *bytes, size_t length, size_t max_output,
                            unsigned char **out, size_t *out_length, mrw_error *err) {
  (void)bytes;
  (void)length;
  (void)max_output;
  *out = NULL;
  *out_length = 0;
  return mrw_error_set(err, MRW_ERR_UNSUPPORTED,
                       "gzip-compressed model: decompress before loading (this build has no zlib)");
}

#endif
