#include "model/feature.h"

#include <stdlib.h>
#include <string.h>

#include "base/checked_math.h"

mrw_status mrw_feature_alloc(mrw_feature *f, int h, int w, int c, mrw_error *err) {
  memset(f, 0, sizeof *f);
  size_t count, bytes;
  if (h <= 0 || w <= 0 || c <= 0 || !mrw_size_mul((size_t)h, (size_t)w, &count) ||
      !mrw_size_mul(count, (size_t)c, &count) || !mrw_size_mul(count, sizeof(float), &bytes))
    return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT, "feature map %dx%dx%d has no valid size",
                         h, w, c);
  f->data = malloc(bytes);
  if (!f->data)
    return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY,
                         "out of memory for a %dx%dx%d feature map (%zu bytes)", h, w, c, bytes);
  f->h = h, f->w = w, f->c = c;
  return MRW_OK;
}

void mrw_feature_free(mrw_feature *f) {
  if (!f) return;
  free(f->data);
  memset(f, 0, sizeof *f);
}

size_t mrw_feature_count(const mrw_feature *f) { return (size_t)f->h * f->w * f->c; }
