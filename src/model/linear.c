#include "model/linear.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/gemm.h"
#include "model/conv_layer.h"

/* One torch Linear layer with an int8 weight [out][in] (its scales per output) and a float
 * bias. */
static mrw_status load_int8(mrw_linear *layer, const mrw_safetensors *file, const char *name,
                            int out_features, int in_features, const int *input_order,
                            mrw_error *err) {
  char tensor[256];
  const mrw_tensor_view *w = NULL;
  int64_t wshape[2] = {out_features, in_features}, bshape[1] = {out_features};
  layer->in_features = in_features;
  layer->out_features = out_features;
  snprintf(tensor, sizeof tensor, "%s.weight", name);
  mrw_status s = mrw_find_float_tensor(file, tensor, 2, wshape, &w, err);
  snprintf(tensor, sizeof tensor, "%s.bias", name);
  if (s == MRW_OK) s = mrw_read_tensor_f32(file, tensor, 1, bshape, &layer->bias, err);
  if (s == MRW_OK)
    s = mrw_int8_matrix_load(&layer->int8, w, (size_t)out_features, (size_t)in_features,
                             input_order, err);
  if (s != MRW_OK) mrw_linear_free(layer);
  return s;
}

/* Column `col` of the packed B (B = W^T) from `row`, W's row `col`, taken in input_order. */
static void pack_column(float *packed, size_t in_features, size_t col, const float *row,
                        const int *input_order) {
  float *column = mrw_gemm_packed_b_column(packed, in_features, col);
  for (size_t p = 0; p < in_features; p++)
    column[p * MRW_GEMM_NR] = row[input_order ? (size_t)input_order[p] : p];
}

/* An F32 weight [out][in] whose outputs fill whole panels, packed where the file's bytes
 * were: panel j of B holds outputs 8j to 8j+7, which are rows 8j to 8j+7 of W, the same
 * span of memory; each panel's rows are copied aside first. Returns 0, leaving the tensor,
 * when the file keeps the block (mrw_safetensors_take_block). */
static int pack_in_place(mrw_linear *layer, const mrw_safetensors *file,
                         const mrw_tensor_view *w, const int *input_order, float *rows) {
  size_t in = (size_t)layer->in_features, out = (size_t)layer->out_features;
  float *packed = mrw_safetensors_take_block(file, w, out * in * sizeof(float));
  if (!packed) return 0;
  for (size_t first = 0; first < out; first += MRW_GEMM_NR) {
    memcpy(rows, packed + first * in, MRW_GEMM_NR * in * sizeof(float));
    for (size_t c = 0; c < MRW_GEMM_NR; c++)
      pack_column(packed, in, first + c, rows + c * in, input_order);
  }
  layer->packed = packed;
  return 1;
}

mrw_status mrw_linear_load(mrw_linear *layer, const mrw_safetensors *file, const char *const *names,
                           const int *out_features, int count, int in_features,
                           const int *input_order, mrw_error *err) {
  memset(layer, 0, sizeof *layer);
  char name[256];
  snprintf(name, sizeof name, "%s.weight", names[0]);
  const mrw_tensor_view *first_weight = mrw_safetensors_find(file, name);
  if (count == 1 && first_weight && first_weight->dtype == MRW_DTYPE_I8)
    return load_int8(layer, file, names[0], out_features[0], in_features, input_order, err);
  int total = 0;
  for (int i = 0; i < count; i++) total += out_features[i];
  layer->in_features = in_features;
  layer->out_features = total;
  /* The weights go into the GEMM's packed B (B = W^T, [in][total]), one output (column of B)
   * at a time, a row of W read at a time (calloc leaves a last panel's missing outputs zero);
   * fc6 and fc7 of an F32 file go in place instead (pack_in_place). */
  size_t packed_floats = mrw_gemm_packed_b_floats((size_t)in_features, (size_t)total);
  int whole_panels = count == 1 && total % MRW_GEMM_NR == 0 && first_weight &&
                     first_weight->dtype == MRW_DTYPE_F32;
  layer->bias = malloc((size_t)total * sizeof(float));
  float *rows = malloc((whole_panels ? MRW_GEMM_NR : 1) * (size_t)in_features * sizeof(float));
  mrw_status s = (layer->bias && rows)
                     ? MRW_OK
                     : mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for '%s'", names[0]);
  for (int i = 0, first = 0; i < count && s == MRW_OK; first += out_features[i], i++) {
    const mrw_tensor_view *w = NULL, *b = NULL;
    int64_t wshape[2] = {out_features[i], in_features}, bshape[1] = {out_features[i]};
    snprintf(name, sizeof name, "%s.weight", names[i]);
    s = mrw_find_float_tensor(file, name, 2, wshape, &w, err);
    snprintf(name, sizeof name, "%s.bias", names[i]);
    if (s == MRW_OK) s = mrw_find_float_tensor(file, name, 1, bshape, &b, err);
    if (s == MRW_OK) s = mrw_tensor_read_f32(b, layer->bias + first, b->count, err);
    if (s != MRW_OK || (whole_panels && pack_in_place(layer, file, w, input_order, rows))) break;
    if (!layer->packed) layer->packed = calloc(packed_floats, sizeof(float));
    if (!layer->packed) {
      s = mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for '%s'", names[0]);
      break;
    }
    for (int o = 0; o < out_features[i] && s == MRW_OK; o++) {
      s = mrw_tensor_read_f32_range(w, (size_t)o * in_features, (size_t)in_features, rows, err);
      if (s == MRW_OK) pack_column(layer->packed, (size_t)in_features, (size_t)(first + o), rows,
                                   input_order);
    }
  }
  free(rows);
  if (s != MRW_OK) mrw_linear_free(layer);
  return s;
}

void mrw_linear_free(mrw_linear *layer) {
  if (!layer) return;
  free(layer->packed);
  free(layer->bias);
  mrw_int8_matrix_free(&layer->int8);
  memset(layer, 0, sizeof *layer);
}

/* Weights from this size on stream from memory rather than sit in a cache between row
 * blocks: their GEMM takes more rows of the input per read of them (mrw_gemm_tall). */
#define TALL_WEIGHT_BYTES ((size_t)8 << 20)

mrw_status mrw_linear_run(const mrw_linear *layer, const float *x, int rows, int relu, float *y,
                          mrw_runtime *rt, mrw_error *err) {
  mrw_epilogue e = {layer->bias, NULL, 0, relu, NULL};
  if (layer->int8.packed)
    return mrw_int8_matrix_run(&layer->int8, x, (size_t)rows, (size_t)layer->in_features, &e, y,
                               (size_t)layer->out_features, rt, err);
  mrw_dense_a dense = {x, (size_t)layer->in_features};
  mrw_gemm_a a = {.pack = mrw_pack_a_dense, .ctx = &dense};
  size_t weight_bytes = (size_t)layer->in_features * (size_t)layer->out_features * sizeof(float);
  if (weight_bytes >= TALL_WEIGHT_BYTES && rows > MRW_GEMM_MB) {
    float *workspace = mrw_runtime_scratch(
        rt, mrw_gemm_tall_workspace_floats((size_t)rows, mrw_thread_pool_size(rt->pool)), err);
    if (!workspace) return MRW_ERR_OUT_OF_MEMORY;
    mrw_gemm_tall((size_t)rows, (size_t)layer->out_features, (size_t)layer->in_features, a,
                  layer->packed, &e, y, (size_t)layer->out_features, workspace, rt->pool);
    return MRW_OK;
  }
  mrw_gemm((size_t)rows, (size_t)layer->out_features, (size_t)layer->in_features, a,
           layer->packed, &e, y, (size_t)layer->out_features, rt->gemm_workspace, rt->pool);
  return MRW_OK;
}
