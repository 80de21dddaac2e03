#include "model/inverted_residual.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/squeeze_excite.h"

int mrw_make_divisible8(int value) {
  int rounded = (value + 4) / 8 * 8;
  if (rounded < 8) rounded = 8;
  if ((double)rounded < 0.9 * value) rounded += 8;
  return rounded;
}

/* A 1x1 Conv2dNormActivation: prefix.block.index.0 (conv) and .1 (BatchNorm). */
static mrw_status load_pointwise(mrw_conv_layer *layer, const mrw_safetensors *file,
                                 const char *prefix, int index, int in_c, int out_c, float eps,
                                 mrw_error *err) {
  char weight[160], bn[160];
  snprintf(weight, sizeof weight, "%s.block.%d.0.weight", prefix, index);
  snprintf(bn, sizeof bn, "%s.block.%d.1", prefix, index);
  mrw_conv_spec spec = {weight, NULL, bn, eps, in_c, out_c, 1, 1, 0, 0};
  return mrw_conv_layer_load(layer, file, &spec, err);
}

/* SqueezeExcitation: prefix.block.index.fc1 and .fc2, 1x1 convs with bias. */
static mrw_status load_squeeze_excite(mrw_inverted_residual *b, const mrw_safetensors *file,
                                      const char *prefix, int index, mrw_error *err) {
  int c = b->spec.expanded, sq = b->squeeze;
  int64_t w1[4] = {sq, c, 1, 1}, b1[1] = {sq}, w2[4] = {c, sq, 1, 1}, b2[1] = {c};
  char name[160];
  snprintf(name, sizeof name, "%s.block.%d.fc1.weight", prefix, index);
  mrw_status s = mrw_read_tensor_f32(file, name, 4, w1, &b->se_w1, err);
  snprintf(name, sizeof name, "%s.block.%d.fc1.bias", prefix, index);
  if (s == MRW_OK) s = mrw_read_tensor_f32(file, name, 1, b1, &b->se_b1, err);
  snprintf(name, sizeof name, "%s.block.%d.fc2.weight", prefix, index);
  if (s == MRW_OK) s = mrw_read_tensor_f32(file, name, 4, w2, &b->se_w2, err);
  snprintf(name, sizeof name, "%s.block.%d.fc2.bias", prefix, index);
  if (s == MRW_OK) s = mrw_read_tensor_f32(file, name, 1, b2, &b->se_b2, err);
  return s;
}

mrw_status mrw_inverted_residual_load(mrw_inverted_residual *block, const mrw_safetensors *file,
                                      const char *prefix, const mrw_inverted_residual_spec *spec,
                                      float bn_eps, mrw_error *err) {
  memset(block, 0, sizeof *block);
  block->spec = *spec;
  block->has_expand = spec->expanded != spec->in_c;
  block->residual = spec->stride == 1 && spec->in_c == spec->out_c;
  block->squeeze = spec->squeeze_excite ? mrw_make_divisible8(spec->expanded / 4) : 0;
  int index = 0;
  mrw_status s = MRW_OK;
  if (block->has_expand) {
    s = load_pointwise(&block->expand, file, prefix, index++, spec->in_c, spec->expanded, bn_eps, err);
  }
  if (s == MRW_OK) {
    char weight[160], bn[160];
    snprintf(weight, sizeof weight, "%s.block.%d.0.weight", prefix, index);
    snprintf(bn, sizeof bn, "%s.block.%d.1", prefix, index);
    index++;
    s = mrw_depthwise_layer_load(&block->depthwise, file, weight, bn, bn_eps, spec->expanded,
                                 spec->kernel, spec->stride, spec->activation, err);
  }
  if (s == MRW_OK && spec->squeeze_excite) s = load_squeeze_excite(block, file, prefix, index++, err);
  if (s == MRW_OK)
    s = load_pointwise(&block->project, file, prefix, index, spec->expanded, spec->out_c, bn_eps, err);
  if (s != MRW_OK) mrw_inverted_residual_free(block);
  return s;
}

void mrw_inverted_residual_free(mrw_inverted_residual *block) {
  if (!block) return;
  mrw_conv_layer_free(&block->expand);
  mrw_depthwise_layer_free(&block->depthwise);
  mrw_conv_layer_free(&block->project);
  free(block->se_w1);
  free(block->se_b1);
  free(block->se_w2);
  free(block->se_b2);
  memset(block, 0, sizeof *block);
}

/* x: [H, W, C] channels-last, scaled in place by its squeeze-excitation. */
static mrw_status squeeze_excite(const mrw_inverted_residual *b, mrw_feature *x, mrw_error *err) {
  int c = x->c;
  float *scratch = malloc(((size_t)2 * c + (size_t)b->squeeze) * sizeof(float));
  if (!scratch) return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for an SE layer");
  float *mean = scratch, *scale = scratch + c, *hidden = scratch + 2 * (size_t)c;
  size_t pixels = (size_t)x->h * x->w;
  mrw_global_avg_pool(x->data, pixels, c, mean);
  mrw_excite_scale(mean, c, b->squeeze, b->se_w1, b->se_b1, b->se_w2, b->se_b2, hidden, scale);
  mrw_channel_scale(x->data, pixels, c, scale);
  free(scratch);
  return MRW_OK;
}

mrw_status mrw_inverted_residual_run(const mrw_inverted_residual *block, const mrw_feature *x,
                                     mrw_feature *out, mrw_runtime *rt, mrw_error *err) {
  mrw_feature expanded = {0}, mid = {0};
  mrw_status s = MRW_OK;
  if (block->has_expand) {
    s = mrw_conv_layer_run(&block->expand, x, NULL, block->spec.activation == MRW_ACTIVATION_RELU,
                           &expanded, rt, err);
    if (s == MRW_OK && block->spec.activation == MRW_ACTIVATION_HARDSWISH)
      mrw_activate_array(MRW_ACTIVATION_HARDSWISH, expanded.data, mrw_feature_count(&expanded));
  }
  if (s == MRW_OK)
    s = mrw_depthwise_layer_run(&block->depthwise, block->has_expand ? &expanded : x, &mid, rt, err);
  mrw_feature_free(&expanded);
  if (s == MRW_OK && block->squeeze) s = squeeze_excite(block, &mid, err);
  if (s == MRW_OK)
    s = mrw_conv_layer_run(&block->project, &mid, block->residual ? x : NULL, 0, out, rt, err);
  mrw_feature_free(&mid);
  return s;
}
