#include "base/status.h"

#include <stdarg.h>
#include <stdio.h>

mrw_status mrw_error_set(mrw_error *err, mrw_status status, const char *format, ...) {
  if (err) {
    va_list args;
    va_start(args, format);
    err->status = status;
    vsnprintf(err->message, sizeof err->message, format, args);
    va_end(args);
  }
  return status;
}

void mrw_error_clear(mrw_error *err) {
  if (err) {
    err->status = MRW_OK;
    err->message[0] = '\0';
  }
}

const char *mrw_status_name(mrw_status status) {
  switch (status) {
    case MRW_OK: return "ok";
    case MRW_ERR_INVALID_ARGUMENT: return "invalid argument";
    case MRW_ERR_OUT_OF_MEMORY: return "out of memory";
    case MRW_ERR_BAD_MODEL: return "bad model file";
    case MRW_ERR_UNSUPPORTED: return "unsupported";
    case MRW_ERR_IO: return "i/o error";
    case MRW_ERR_INTERNAL: return "internal error";
  }
  return "unknown status";
}
