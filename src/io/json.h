#ifndef MRW_IO_JSON_H
#define MRW_IO_JSON_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "base/status.h"

/* A strict JSON (RFC 8259) parser that builds a read-only tree.
 *
 * Beyond the grammar it refuses what a model header must never contain: invalid UTF-8,
 * duplicate object keys, NUL characters in strings (every string is a C string), nesting
 * deeper than MRW_JSON_MAX_DEPTH, and numbers outside the range of a double. Malformed text
 * gives MRW_ERR_INVALID_ARGUMENT with a message naming the problem and its byte offset. */

#define MRW_JSON_MAX_DEPTH 64

typedef enum mrw_json_type {
  MRW_JSON_NULL,
  MRW_JSON_BOOL,
  MRW_JSON_NUMBER,
  MRW_JSON_STRING,
  MRW_JSON_ARRAY,
  MRW_JSON_OBJECT
} mrw_json_type;

typedef struct mrw_json mrw_json; /* a node; the whole tree is freed at once */

/* Parses length bytes of text (no terminating NUL needed). On success *out is the root,
 * to be released with mrw_json_free; on failure *out is NULL. */
mrw_status mrw_json_parse(const char *text, size_t length, mrw_json **out, mrw_error *err);
void mrw_json_free(mrw_json *root); /* NULL is a no-op */

/* Accessors accept NULL and nodes of any type, answering "nothing" for a mismatch. */
mrw_json_type mrw_json_type_of(const mrw_json *v);  /* MRW_JSON_NULL for NULL */
size_t mrw_json_length(const mrw_json *v);          /* array elements / object members, else 0 */
const mrw_json *mrw_json_at(const mrw_json *v, size_t i); /* element, or member value */
const char *mrw_json_key_at(const mrw_json *v, size_t i); /* member key, in text order */
const mrw_json *mrw_json_get(const mrw_json *object, const char *key); /* O(log n) lookup */
double mrw_json_number(const mrw_json *v);          /* 0 if not a number */
const char *mrw_json_string(const mrw_json *v);     /* NUL-terminated UTF-8; NULL if not a string */
size_t mrw_json_string_length(const mrw_json *v);   /* bytes, without the NUL */
int mrw_json_bool(const mrw_json *v);               /* 1 for true, else 0 */

#ifdef __cplusplus
}
#endif

#endif
