#ifndef MRW_BASE_STATUS_H
#define MRW_BASE_STATUS_H

#include <stddef.h>

/* The status codes are the public API's (mrw_status), shared by every layer. The message that
 * explains a failure is kept in an mrw_error owned by the caller (in the public API: by the
 * handle), never in a global. */
#include "maskrcnn_wasm.h"

#define MRW_ERROR_MESSAGE_CAPACITY 512

typedef struct mrw_error {
  mrw_status status;
  char message[MRW_ERROR_MESSAGE_CAPACITY];
} mrw_error;

/* Records status and a printf-style message in err (which may be NULL) and returns status,
 * so that a failing path reads `return mrw_error_set(err, MRW_ERR_..., "...", ...);`. */
mrw_status mrw_error_set(mrw_error *err, mrw_status status, const char *format, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

void mrw_error_clear(mrw_error *err);

#endif
