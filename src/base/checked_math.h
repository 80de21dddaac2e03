#ifndef MRW_BASE_CHECKED_MATH_H
#define MRW_BASE_CHECKED_MATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Overflow-checked size arithmetic for parsers and allocation sizes: each returns false and
 * leaves *out untouched when the exact result does not fit. */
static inline bool mrw_size_mul(size_t a, size_t b, size_t *out) {
  if (a != 0 && b > SIZE_MAX / a) return false;
  *out = a * b;
  return true;
}

static inline bool mrw_size_add(size_t a, size_t b, size_t *out) {
  if (b > SIZE_MAX - a) return false;
  *out = a + b;
  return true;
}

static inline bool mrw_u64_mul(uint64_t a, uint64_t b, uint64_t *out) {
  if (a != 0 && b > UINT64_MAX / a) return false;
  *out = a * b;
  return true;
}

#endif
