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
  mrw_conv_spec spec = {weight, NULL, bn, eps, in_c, out_c, kernel, stride, kernel / 2};
  return mrw_conv_layer_load(layer, file, &spec, err);
}

/* The extractor's stage_indices: [0], the stride-2 blocks, the last; it returns the last two. */
static void returned_stages(int returned[2]) {
  int stages[MRW_MOBILENET_V3_LARGE_BLOCKS + 2], n = 0;
  stages[n++] = 0;
  for (int b = 0; b < MRW_MOBILENET_V3_LARGE_BLOCKS; b++)
    if (large_blocks[b].stride > 1) stages[n++] = b + 1;
  stages[n++] = LAST_INDEX;
  returned[0] = stages[n - 2];
  returned[1] = stages[n - 1];
}

static int channels_after(int index) {
  if (index == 0) return STEM_CHANNELS;
  if (index == LAST_INDEX) return LAST_CHANNELS;
  return large_blocks[index - 1].out_c;
}

mrw_status mrw_mobilenet_v3_load(mrw_mobilenet_v3 *net, const mrw_safetensors *file,
                                 const mrw_config *config, mrw_error *err) {
  memset(net, 0, sizeof *net);
  float eps = config->bn_eps;
  mrw_status s = load_conv_bn(&net->stem, file, 0, 3, STEM_CHANNELS, 3, 2, eps, err);
  for (int b = 0; b < MRW_MOBILENET_V3_LARGE_BLOCKS && s == MRW_OK; b++) {
    char prefix[64];
    snprintf(prefix, sizeof prefix, "backbone.body.%d", b + 1);
    s = mrw_inverted_residual_load(&net->blocks[b], file, prefix, &large_blocks[b], eps, err);
  }
  if (s == MRW_OK)
    s = load_conv_bn(&net->last, file, LAST_INDEX, large_blocks[MRW_MOBILENET_V3_LARGE_BLOCKS - 1].out_c,
                     LAST_CHANNELS, 1, 1, eps, err);
  returned_stages(net->returned);
  for (int i = 0; i < 2; i++) net->stage_channels[i] = channels_after(net->returned[i]);
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

mrw_status mrw_mobilenet_v3_forward(const mrw_mobilenet_v3 *net, const mrw_feature *image,
                                    mrw_feature stages[2], mrw_runtime *rt, mrw_error *err) {
  memset(stages, 0, 2 * sizeof *stages);
  mrw_feature x = {0};
  mrw_status s = run_conv_hardswish(&net->stem, image, &x, rt, err);
  for (int index = 1; index <= LAST_INDEX && s == MRW_OK; index++) {
    mrw_feature y = {0};
    s = index == LAST_INDEX ? run_conv_hardswish(&net->last, &x, &y, rt, err)
                            : mrw_inverted_residual_run(&net->blocks[index - 1], &x, &y, rt, err);
    /* a returned stage belongs to the caller; anything else is ours to free */
    if (!(index - 1 == net->returned[0])) mrw_feature_free(&x);
    x = y;
    if (s == MRW_OK && index == net->returned[0]) stages[0] = x;
  }
  if (s == MRW_OK) {
    stages[1] = x;
  } else {
    if (x.data != stages[0].data) mrw_feature_free(&x);
    mrw_feature_free(&stages[0]);
  }
  return s;
}
