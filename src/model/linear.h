#ifndef MRW_MODEL_LINEAR_H
#define MRW_MODEL_LINEAR_H

#include "base/status.h"
#include "io/safetensors.h"
#include "model/int8_matrix.h"
#include "model/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fully connected layers y = x W^T + b as packed GEMMs; several torch Linear layers that
 * read the same input can be bound as one (their outputs side by side). A single layer whose
 * weight the file stores as int8 stays int8 and runs on the integer GEMM (packed is then
 * NULL). */
typedef struct mrw_linear {
  int in_features, out_features;
  float *packed; /* W^T packed as the GEMM's right operand */
  float *bias;
  mrw_int8_matrix int8;
} mrw_linear;

/* Binds `count` torch Linear layers (names[i] + ".weight" [out_i][in], + ".bias" [out_i])
 * as one. input_order, if not NULL, maps our input index to torch's (a permutation of
 * [0, in_features)), for inputs whose layout differs from torch's flattening. */
mrw_status mrw_linear_load(mrw_linear *layer, const mrw_safetensors *file, const char *const *names,
                           const int *out_features, int count, int in_features,
                           const int *input_order, mrw_error *err);
void mrw_linear_free(mrw_linear *layer);

/* y [rows][out_features] = relu?(x [rows][in_features] W^T + b). Fails only when out of
 * memory (int8 layers need scratch). */
mrw_status mrw_linear_run(const mrw_linear *layer, const float *x, int rows, int relu, float *y,
                          mrw_runtime *rt, mrw_error *err);

#ifdef __cplusplus
}
#endif

#endif
