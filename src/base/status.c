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
