#ifndef MRW_MODEL_FEATURE_H
#define MRW_MODEL_FEATURE_H

#include "base/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One channels-last feature map of the single image in flight: data [h][w][c]. */
typedef struct mrw_feature {
  float *data;
  int h, w, c;
} mrw_feature;

/* Allocates an uninitialised map; sizes are checked for overflow. */
mrw_status mrw_feature_alloc(mrw_feature *f, int h, int w, int c, mrw_error *err);
/* Releases the data and zeroes the struct; a zeroed feature is a no-op. */
void mrw_feature_free(mrw_feature *f);
size_t mrw_feature_count(const mrw_feature *f);

#ifdef __cplusplus
}
#endif

#endif
