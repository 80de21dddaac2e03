#include "model/fpn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/pool.h"
#include "kernels/resize.h"
#include "model/conv_norm_layer.h"

/* A lateral ("inner") or output ("layer") convolution: legacy names carry no ".0"; v2's are
 * followed by a BatchNorm (config.fpn_norm). */
static mrw_status load_fpn_conv(mrw_conv_layer *layer, const mrw_safetensors *file,
                                const mrw_config *config, const char *kind, int index,
                                int in_c, int out_c, int kernel, mrw_error *err) {
  char prefix[128];
  int map_pixels = mrw_config_level_map_pixels(config, index);
  if (!config->legacy_names) {
    snprintf(prefix, sizeof prefix, "backbone.fpn.%s_blocks.%d", kind, index);
    return mrw_conv_norm_layer_load(layer, file, prefix, config->fpn_norm, config->bn_eps,
                                    in_c, out_c, kernel, map_pixels, err);
  }
  char weight[128], bias[128];
  snprintf(weight, sizeof weight, "backbone.fpn.%s_blocks.%d.weight", kind, index);
  snprintf(bias, sizeof bias, "backbone.fpn.%s_blocks.%d.bias", kind, index);
  mrw_conv_spec spec = {weight, bias, NULL, 0.0f, in_c, out_c, kernel, 1, kernel / 2, map_pixels};
  return mrw_conv_layer_load(layer, file, &spec, err);
}

mrw_status mrw_fpn_load(mrw_fpn *fpn, const mrw_safetensors *file, const mrw_config *config,
                        const int in_channels[4], mrw_error *err) {
  memset(fpn, 0, sizeof *fpn);
  mrw_status s = MRW_OK;
  int ch = config->fpn_channels;
  fpn->inputs = config->fpn_levels - 1;
  for (int i = 0; i < fpn->inputs && s == MRW_OK; i++) {
    s = load_fpn_conv(&fpn->inner[i], file, config, "inner", i, in_channels[i], ch, 1, err);
    if (s == MRW_OK) s = load_fpn_conv(&fpn->layer[i], file, config, "layer", i, ch, ch, 3, err);
  }
  if (s != MRW_OK) mrw_fpn_free(fpn);
  return s;
}

void mrw_fpn_free(mrw_fpn *fpn) {
  if (!fpn) return;
  for (int i = 0; i < 4; i++) {
    mrw_conv_layer_free(&fpn->inner[i]);
    mrw_conv_layer_free(&fpn->layer[i]);
  }
}

/* Rows per band of a level's output convolution written over its inner sum (10 MB of 256
 * channels at the finest level at 800x1216). With 16 rows the calls took about 5 % longer: each
 * band's last thread-band often runs alone. */
#define LEVEL_BAND_ROWS 32

/* level = layer(inner), computed in bands over inner's own buffer, which becomes the level's. */
static mrw_status run_over_input(const mrw_conv_layer *layer, mrw_feature *inner,
                                 mrw_feature *level, mrw_runtime *rt, mrw_error *err) {
  mrw_status s = mrw_conv_layer_run_over_input(layer, inner, 0, LEVEL_BAND_ROWS, rt, err);
  if (s == MRW_OK) {
    *level = *inner;
    memset(inner, 0, sizeof *inner);
  }
  return s;
}

/* The top-down pass over the laterals, which it owns: each level's inner sum is the lateral
 * plus the coarser inner sum upsampled, added in place; once the next finer lateral has added
 * it, the sum's output convolution writes the level over the sum itself, a band at a time.
 * So every level is held once, not as a sum and an output (the finest, 62 MB at 800x1216,
 * and the next, 16 MB). */
static mrw_status top_down(const mrw_fpn *fpn, mrw_feature laterals[4],
                           mrw_feature levels[MRW_FPN_LEVELS], mrw_runtime *rt, mrw_error *err) {
  memset(levels, 0, MRW_FPN_LEVELS * sizeof *levels);
  int top = fpn->inputs - 1;
  mrw_feature last_inner = laterals[top];
  memset(&laterals[top], 0, sizeof laterals[top]);
  mrw_status s = MRW_OK;
  for (int i = top - 1; i >= 0 && s == MRW_OK; i--) {
    /* inner = lateral(C_i) + upsample(previous inner): the sum torchvision forms, added in
     * place after the lateral's bias, so the same two floats are added in the same order. */
    mrw_feature inner = laterals[i];
    memset(&laterals[i], 0, sizeof laterals[i]);
    mrw_upsample_nearest_add(last_inner.data, last_inner.h, last_inner.w, last_inner.c,
                             inner.data, inner.h, inner.w, rt->pool);
    s = run_over_input(&fpn->layer[i + 1], &last_inner, &levels[i + 1], rt, err);
    mrw_feature_free(&last_inner); /* (empty unless that failed) */
    last_inner = inner;
  }
  if (s == MRW_OK) s = run_over_input(&fpn->layer[0], &last_inner, &levels[0], rt, err);
  mrw_feature_free(&last_inner);
  if (s == MRW_OK) {
    const mrw_feature *last = &levels[top];
    s = mrw_feature_alloc(&levels[top + 1], mrw_max_pool_out(last->h, 1, 2, 0),
                          mrw_max_pool_out(last->w, 1, 2, 0), last->c, err);
    if (s == MRW_OK)
      mrw_max_pool(last->data, last->h, last->w, last->c, 1, 2, 0, levels[top + 1].data, rt->pool);
  }
  if (s != MRW_OK)
    for (int i = 0; i < MRW_FPN_LEVELS; i++) mrw_feature_free(&levels[i]);
  for (int i = 0; i < 4; i++) mrw_feature_free(&laterals[i]);
  return s;
}

mrw_status mrw_fpn_forward(const mrw_fpn *fpn, const mrw_feature stages[4],
                           mrw_feature levels[MRW_FPN_LEVELS], mrw_runtime *rt, mrw_error *err) {
  mrw_feature laterals[4] = {{0}};
  mrw_status s = MRW_OK;
  for (int i = 0; i < fpn->inputs && s == MRW_OK; i++)
    s = mrw_conv_layer_run(&fpn->inner[i], &stages[i], NULL, 0, &laterals[i], rt, err);
  if (s == MRW_OK) return top_down(fpn, laterals, levels, rt, err);
  for (int i = 0; i < 4; i++) mrw_feature_free(&laterals[i]);
  memset(levels, 0, MRW_FPN_LEVELS * sizeof *levels);
  return s;
}

mrw_status mrw_fpn_lateral_consuming(const mrw_fpn *fpn, int index, mrw_feature *stage,
                                     mrw_runtime *rt, mrw_error *err) {
  return mrw_conv_layer_run_in_place(&fpn->inner[index], stage, rt, err);
}

mrw_status mrw_fpn_forward_laterals(const mrw_fpn *fpn, mrw_feature laterals[4],
                                    mrw_feature levels[MRW_FPN_LEVELS], mrw_runtime *rt,
                                    mrw_error *err) {
  return top_down(fpn, laterals, levels, rt, err);
}

mrw_status mrw_fpn_forward_consuming(const mrw_fpn *fpn, mrw_feature stages[4],
                                     mrw_feature levels[MRW_FPN_LEVELS], mrw_runtime *rt,
                                     mrw_error *err) {
  mrw_status s = MRW_OK;
  for (int i = fpn->inputs - 1; i >= 0 && s == MRW_OK; i--)
    s = mrw_fpn_lateral_consuming(fpn, i, &stages[i], rt, err);
  if (s == MRW_OK) return top_down(fpn, stages, levels, rt, err);
  for (int i = 0; i < 4; i++) mrw_feature_free(&stages[i]);
  memset(levels, 0, MRW_FPN_LEVELS * sizeof *levels);
  return s;
}
