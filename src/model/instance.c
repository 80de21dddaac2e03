#include "model/instance.h"

#include <stdlib.h>

mrw_status mrw_instances_alloc(int count, int width, int height, struct mrw_result **out,
                               mrw_error *err) {
  *out = NULL;
  struct mrw_result *r = calloc(1, sizeof *r);
  if (r) r->instances = calloc(count > 0 ? (size_t)count : 1, sizeof *r->instances);
  if (!r || !r->instances) {
    free(r);
    return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for the result");
  }
  r->count = count;
  r->width = width;
  r->height = height;
  *out = r;
  return MRW_OK;
}

void mrw_instances_free(struct mrw_result *result) {
  if (!result) return;
  for (int i = 0; i < result->count; i++) {
    free(result->instances[i].class_name);
    free(result->instances[i].binary);
    mrw_mask_window_free(&result->instances[i].mask);
  }
  free(result->instances);
  free(result);
}
