#ifndef MRW_API_RESULT_H
#define MRW_API_RESULT_H

#include "maskrcnn_wasm.h"
#include "model/detector.h"

/* What the public result holds: self-contained copies, nothing borrowed from the model. */
typedef struct mrw_result_instance {
  float box[4];
  int label;
  float score;
  char *class_name;
  mrw_mask_window mask; /* probabilities */
  uint8_t *binary;      /* [mask.height][mask.width], probability > mask threshold */
} mrw_result_instance;

struct mrw_result {
  int width, height;
  int count;
  mrw_result_instance *items;
  double stage_ms[MRW_STAGE_COUNT];
};

/* Takes over the detections (their mask windows move into the result). */
mrw_status mrw_result_build(mrw_detection_result *detections, char *const *labels, int width,
                            int height, float mask_threshold, mrw_result **out, mrw_error *err);

#endif
