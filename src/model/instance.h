#ifndef MRW_MODEL_INSTANCE_H
#define MRW_MODEL_INSTANCE_H

#include <stdint.h>

#include "base/status.h"
#include "model/paste.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The stages a run is timed by. */
typedef enum mrw_stage {
  MRW_STAGE_PREPROCESS,
  MRW_STAGE_BACKBONE,
  MRW_STAGE_FPN,
  MRW_STAGE_RPN,
  MRW_STAGE_BOX_HEAD,
  MRW_STAGE_MASK_HEAD,
  MRW_STAGE_PASTE,
  MRW_STAGE_COUNT
} mrw_stage;

/* One instance of a result, in original-image coordinates. The detector fills the box, label,
 * score and mask probabilities; the API then adds the class name and the binary mask. */
typedef struct mrw_instance {
  float box[4];
  int label;
  float score;
  mrw_mask_window mask; /* box-local probabilities */
  char *class_name;     /* a copy (the result outlives its model); NULL until labelled */
  uint8_t *binary;      /* [mask.height][mask.width], probability > mask threshold; NULL until
                           thresholded */
} mrw_instance;

/* The public mrw_result (opaque in maskrcnn_wasm.h): the instances of one image, best first,
 * self-contained (nothing borrowed from the model), and the run's stage times. */
struct mrw_result {
  int width, height;
  int count;
  mrw_instance *instances;
  double stage_ms[MRW_STAGE_COUNT];
};

/* A result of `count` zeroed instances for an image of width x height. */
mrw_status mrw_instances_alloc(int count, int width, int height, struct mrw_result **out,
                               mrw_error *err);
/* Frees a result and everything its instances hold (the public mrw_result_free). */
void mrw_instances_free(struct mrw_result *result);

#ifdef __cplusplus
}
#endif

#endif
