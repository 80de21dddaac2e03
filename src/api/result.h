#ifndef MRW_API_RESULT_H
#define MRW_API_RESULT_H

#include "maskrcnn_wasm.h"
#include "model/detector.h"

/* Completes a result the detector made: each instance gets a copy of its class name (labels
 * indexed by label) and its binary mask (probability > mask_threshold). On failure the result
 * is left for mrw_result_free to release. */
mrw_status mrw_instances_finish(mrw_result *result, char *const *labels, float mask_threshold,
                                mrw_error *err);

/* Instance i of a result, or NULL when there is no such instance. */
const mrw_instance *mrw_instance_at(const mrw_result *result, int i);

#endif
