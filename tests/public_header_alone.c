/* Compiled with only the public header on the include path (see CMakeLists.txt): every type
 * and limit a user of the C API names is declared there, and nothing internal is needed. */
#include "maskrcnn_wasm.h"

int mrw_public_header_uses(void);

int mrw_public_header_uses(void) {
  mrw_segment_options options = mrw_default_options();
  mrw_status status = MRW_ERR_INVALID_ARGUMENT;
  mrw_pixel_format format = MRW_PIXELS_RGBA;
  mrw_model *model = NULL;
  mrw_result *result = NULL;
  (void)model;
  (void)result;
  return (int)status + (int)format + options.max_instances + MRW_MAX_IMAGE_SIDE + MRW_MAX_THREADS +
         MRW_MODEL_BUFFER_PADDING + MRW_STAGES;
}
