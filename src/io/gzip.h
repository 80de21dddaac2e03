#ifndef MRW_IO_GZIP_H
#define MRW_IO_GZIP_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "base/status.h"

/* True if bytes start with the gzip magic number 1f 8b. */
bool mrw_gzip_detect(const void *bytes, size_t length);

/* Decompresses one gzip member into a new malloc'd buffer (*out, *out_length bytes) of at
 * most max_output bytes. Corrupt, truncated or oversized input and trailing bytes after
 * the member are refused with MRW_ERR_BAD_MODEL. Without zlib (MRW_HAVE_ZLIB undefined,
 * as in the WebAssembly build, where JavaScript decompresses) the answer is always
 * MRW_ERR_UNSUPPORTED. */
mrw_status mrw_gzip_inflate(const void *bytes, size_t length, size_t max_output,
                            unsigned char **out, size_t *out_length, mrw_error *err);

#ifdef __cplusplus
}
#endif

#endif
