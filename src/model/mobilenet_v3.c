#include "model/mobilenet_v3.h"

#include <stdio.h>
#include <string.h>

#include "kernels/activation.h"

#define RE MRW_ACTIVATION_RELU
#define HS MRW_ACTIVATION_HARDSWISH

/* torchvision's _mobilenet_v3_conf("mobilenet_v3_large"): input, kernel, expanded, output,
 * squeeze-excitation, activation, stride (width 1, no dilation, full tail). */
static const mrw_inverted_residual_spec large_blocks[MRW_MOBILENET_V3_LARGE_BLOCKS] = {
    {16, 3, 16, 16, 0, RE, 1},    {16, 3, 64, 24, 0, RE, 2},    {24, 3, 72, 24, 0, RE, 1},
    {24, 5, 72, 40, 1, RE, 2},    {40, 5, 120, 40, 1, RE, 1},   {40, 5, 120, 40, 1, RE, 1},
    {40, 3, 240, 80, 0, HS, 2},   {80, 3, 200, 80, 0, HS, 1},   {80, 3, 184, 80, 0, HS, 1},
    {80, 3, 184, 80, 0, HS, 1},   {80, 3, 480, 112, 1, HS, 1},  {112, 3, 672, 112, 1, HS, 1},
    {112, 5, 672, 160, 1, HS, 2}, {160, 5, 960, 160, 1, HS, 1}, {160, 5, 960, 160, 1, HS, 1},
};
#define STEM_CHANNELS 16
#define LAST_CHANNELS 960 /* 6 x the last block's 160 */
#define LAST_INDEX (MRW_MOBILENET_V3_LARGE_BLOCKS + 1)

static mrw_status load_conv_bn(mrw_conv_layer *layer, const mrw_safetensors *file, int index,
                               int in_c, int out_c, int kernel, int stride, float eps,
                               mrw_error *err) {
  char weight[96], bn[96];
  snprintf(weight, sizeof weight, "backbone.body.%d.0.weight", index);
  snprintf(bn, sizeof bn, "backbone.body.%d.1", index);
  mrw_conv_spec spec = {weight, NULL, bn, eps, in_c, out_c, kernel, stride, kernel / 2, 0};
  return mrw_conv_layer_load(layer, file, &spec, err);
}

/* The extractor's stage_indices: [0], the stride-2 blocks, the last. */
static void stage_indices(int stages[MRW_MOBILENET_STAGES]) {
  int n = 0;
  stages[n++] = 0;
  for (int b = 0; b < MRW_MOBILENET_V3_LARGE_BLOCKS; b++)
    if (large_blocks[b].stride > 1) stages[n++] = b + 1;
  stages[n++] = LAST_INDEX;
}

static int channels_after(int index) {
  if (index == 0) return STEM_CHANNELS;
  if (index == LAST_INDEX) return LAST_CHANNELS;
  return large_blocks[index - 1].out_c;
}

mrw_status mrw_mobilenet_v3_load(mrw_mobilenet_v3 *net, const mrw_safetensors *file,
                                 const mrw_config *config, mrw_error *err) {
  memset(net, 0, sizeof *net);
  int stages[MRW_MOBILENET_STAGES];
  stage_indices(stages);
  net->returned_count = config->fpn_levels - 1;
  for (int i = 0; i < net->returned_count; i++) {
    net->returned[i] = stages[config->returned_stages[i]];
    net->stage_channels[i] = channels_after(net->returned[i]);
  }
  /* the extractor keeps features up to the last returned stage and drops the rest */
  int end = net->returned[net->returned_count - 1];
  float eps = config->bn_eps;
  mrw_status s = load_conv_bn(&net->stem, file, 0, 3, STEM_CHANNELS, 3, 2, eps, err);
  for (int b = 0; b < MRW_MOBILENET_V3_LARGE_BLOCKS && b + 1 <= end && s == MRW_OK; b++) {
    char prefix[64];
    snprintf(prefix, sizeof prefix, "backbone.body.%d", b + 1);
    s = mrw_inverted_residual_load(&net->blocks[b], file, prefix, &large_blocks[b], eps, err);
  }
  if (s == MRW_OK && end == LAST_INDEX)
    s = load_conv_bn(&net->last, file, LAST_INDEX, large_blocks[MRW_MOBILENET_V3_LARGE_BLOCKS - 1].out_c,
                     LAST_CHANNELS, 1, 1, eps, err);
  if (s != MRW_OK) mrw_mobilenet_v3_free(net);
  return s;
}

void mrw_mobilenet_v3_free(mrw_mobilenet_v3 *net) {
  if (!net) return;
  mrw_conv_layer_free(&net->stem);
  for (int b = 0; b < MRW_MOBILENET_V3_LARGE_BLOCKS; b++) mrw_inverted_residual_free(&net->blocks[b]);
  mrw_conv_layer_free(&net->last);
  memset(net, 0, sizeof *net);
}

/* A Conv2dNormActivation with hardswish: the stem and the last layer. */
static mrw_status run_conv_hardswish(const mrw_conv_layer *layer, const mrw_feature *x,
                                     mrw_feature *out, mrw_runtime *rt, mrw_error *err) {
  mrw_status s = mrw_conv_layer_run(layer, x, NULL, 0, out, rt, err);
  if (s == MRW_OK) mrw_activate_array(MRW_ACTIVATION_HARDSWISH, out->data, mrw_feature_count(out));
  return s;
}

/* features[index]: the stem, an inverted residual block or the last convolution. */
static mrw_status run_feature(const mrw_mobilenet_v3 *net, int index, const mrw_feature *x,
                              mrw_feature *out, mrw_runtime *rt, mrw_error *err) {
  if (index == 0) return run_conv_hardswish(&net->stem, x, out, rt, err);
  if (index == LAST_INDEX) return run_conv_hardswish(&net->last, x, out, rt, err);
  return mrw_inverted_residual_run(&net->blocks[index - 1], x, out, rt, err);
}

mrw_status mrw_mobilenet_v3_forward(const mrw_mobilenet_v3 *net, const mrw_feature *image,
                                    mrw_feature stages[MRW_FPN_LEVELS - 1], mrw_runtime *rt,
                                    mrw_error *err) {
  memset(stages, 0, (MRW_FPN_LEVELS - 1) * sizeof *stages);
  mrw_feature x = {0};
  int next = 0; /* the next returned stage */
  mrw_status s = MRW_OK;
  const int last = net->returned[net->returned_count - 1];
  for (int index = 0; index <= last && s == MRW_OK; index++) {
    mrw_feature y = {0};
    s = run_feature(net, index, index == 0 ? image : &x, &y, rt, err);
    /* a returned stage belongs to the caller; anything else is ours to free */
    if (index == 0 || index - 1 != (next > 0 ? net->returned[next - 1] : -1)) mrw_feature_free(&x);
    x = y;
    if (s == MRW_OK && index == net->returned[next]) stages[next++] = x;
  }
  if (s != MRW_OK) {
    if (next == 0 || x.data != stages[next - 1].data) mrw_feature_free(&x);
    for (int i = 0; i < next; i++) mrw_feature_free(&stages[i]);
  }
  return s;
}
