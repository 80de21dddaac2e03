#include "model/conv_norm_layer.h"

#include <stdio.h>

mrw_status mrw_conv_norm_layer_load(mrw_conv_layer *layer, const mrw_safetensors *file,
                                    const char *prefix, mrw_conv_norm norm, float bn_eps,
                                    int in_c, int out_c, int kernel, int map_pixels,
                                    mrw_error *err) {
  char weight[160], bias[160], bn[160];
  snprintf(weight, sizeof weight, "%s.0.weight", prefix);
  snprintf(bias, sizeof bias, "%s.0.bias", prefix);
  snprintf(bn, sizeof bn, "%s.1", prefix);
  int batch_norm = norm == MRW_NORM_BATCH;
  mrw_conv_spec spec = {weight, batch_norm ? NULL : bias, batch_norm ? bn : NULL, bn_eps,
                        in_c, out_c, kernel, 1, kernel / 2, map_pixels};
  return mrw_conv_layer_load(layer, file, &spec, err);
}
