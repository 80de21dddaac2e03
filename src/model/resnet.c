#include "model/resnet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/pool.h"

#define BODY "backbone.body."

static mrw_status load_conv_bn(mrw_conv_layer *layer, const mrw_safetensors *file,
                               const char *conv_name, const char *bn_name, float eps, int in_c,
                               int out_c, int kernel, int stride, int map_pixels, mrw_error *err) {
  char weight[256], bn[256];
  snprintf(weight, sizeof weight, BODY "%s.weight", conv_name);
  snprintf(bn, sizeof bn, BODY "%s", bn_name);
  mrw_conv_spec spec = {weight, NULL, bn, eps, in_c, out_c, kernel, stride, kernel / 2, map_pixels};
  return mrw_conv_layer_load(layer, file, &spec, err);
}

static mrw_status load_block(mrw_resnet_block *block, const mrw_safetensors *file, int bottleneck,
                             int stage, int index, int in_c, int planes, int stride, float eps,
                             int map_pixels, mrw_error *err) {
  char conv[64], bn[64];
  int out_c = bottleneck ? planes * 4 : planes;
  /* conv kernels and channels: bottleneck 1x1 -> 3x3 (stride) -> 1x1, basic 3x3 (stride) -> 3x3 */
  int kernels[3] = {bottleneck ? 1 : 3, 3, 1};
  int strides[3] = {bottleneck ? 1 : stride, bottleneck ? stride : 1, 1};
  int ins[3] = {in_c, planes, planes};
  int outs[3] = {planes, bottleneck ? planes : out_c, out_c};
  block->conv_count = bottleneck ? 3 : 2;
  mrw_status s = MRW_OK;
  for (int i = 0; i < block->conv_count && s == MRW_OK; i++) {
    snprintf(conv, sizeof conv, "layer%d.%d.conv%d", stage + 1, index, i + 1);
    snprintf(bn, sizeof bn, "layer%d.%d.bn%d", stage + 1, index, i + 1);
    s = load_conv_bn(&block->conv[i], file, conv, bn, eps, ins[i], outs[i], kernels[i],
                     strides[i], map_pixels, err);
  }
  block->has_downsample = index == 0 && (stride != 1 || in_c != out_c);
  if (s == MRW_OK && block->has_downsample) {
    snprintf(conv, sizeof conv, "layer%d.0.downsample.0", stage + 1);
    snprintf(bn, sizeof bn, "layer%d.0.downsample.1", stage + 1);
    s = load_conv_bn(&block->downsample, file, conv, bn, eps, in_c, out_c, 1, stride, map_pixels,
                     err);
  }
  return s;
}

mrw_status mrw_resnet_load(mrw_resnet *net, mrw_safetensors *file,
                           const mrw_config *config, mrw_error *err) {
  memset(net, 0, sizeof *net);
  int bottleneck = mrw_resnet_is_bottleneck(config->depth);
  int total = 0;
  for (int s = 0; s < 4; s++) {
    net->stage_first_block[s] = total;
    total += mrw_resnet_stage_blocks(config->depth, s);
  }
  net->stage_first_block[4] = total;
  if (total == 0)
    return mrw_error_set(err, MRW_ERR_UNSUPPORTED, "ResNet depth %d is not supported",
                         config->depth);
  net->blocks = calloc((size_t)total, sizeof *net->blocks);
  if (!net->blocks) return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for ResNet");
  mrw_status s =
      load_conv_bn(&net->stem, file, "conv1", "bn1", config->bn_eps, 3, 64, 7, 2, 0, err);
  int in_c = 64;
  for (int stage = 0; stage < 4 && s == MRW_OK; stage++) {
    int planes = 64 << stage;
    for (int b = net->stage_first_block[stage]; b < net->stage_first_block[stage + 1] && s == MRW_OK; b++) {
      int index = b - net->stage_first_block[stage];
      int stride = (index == 0 && stage > 0) ? 2 : 1;
      s = load_block(&net->blocks[b], file, bottleneck, stage, index, in_c, planes, stride,
                     config->bn_eps, mrw_config_level_map_pixels(config, stage), err);
      char built[64];
      snprintf(built, sizeof built, BODY "layer%d.%d.", stage + 1, index);
      mrw_safetensors_release(file, built);
      in_c = bottleneck ? planes * 4 : planes;
    }
    net->stage_channels[stage] = in_c;
  }
  if (s != MRW_OK) mrw_resnet_free(net);
  return s;
}

void mrw_resnet_free(mrw_resnet *net) {
  if (!net) return;
  mrw_conv_layer_free(&net->stem);
  if (net->blocks) {
    for (int b = 0; b < net->stage_first_block[4]; b++) {
      for (int i = 0; i < 3; i++) mrw_conv_layer_free(&net->blocks[b].conv[i]);
      mrw_conv_layer_free(&net->blocks[b].downsample);
    }
  }
  free(net->blocks);
  memset(net, 0, sizeof *net);
}

/* Rows per band of a convolution written over its input (run_block). */
#define OVER_INPUT_BAND_ROWS 32

/* Whether a block's convolution before the last writes its output over its input (ours then):
 * a bottleneck's 3x3 (as many channels out as in) that runs in bands with its weights
 * transformed whole. It then holds a band of rows instead of a second map: layer2's conv2 out
 * is 7.8 MB at 800x1216, beside C2's 62 MB lateral, the stage's own map and conv1's out, in
 * the run's largest live set; layer3's and layer4's, which transform their weights in groups,
 * would hold more weights than they save. */
static int runs_over_input(const mrw_conv_layer *conv, const mrw_feature *in) {
  return conv->shape.in_c == conv->shape.out_c && mrw_conv_layer_transforms_whole(conv, in);
}

/* out = relu(convs(x) + shortcut(x)), the residual add and ReLU fused into the last conv,
 * which writes over the shortcut: the downsample's output, or x itself when x is ours (then x
 * becomes out and is left empty). So a block holds one map of its output's size, not two.
 * A strided block's downsample runs after the convolutions before the last, once their wide
 * intermediate maps are freed: in a stage's first block the map at the input's size (layer2's
 * conv1 out is C2's size in pixels) and the shortcut are then never held at once; a stride-1
 * block's runs first (below). A bottleneck's 3x3 writes over conv1's output where it can
 * (runs_over_input). */
static mrw_status run_block(const mrw_resnet_block *block, mrw_feature *x, int x_is_ours,
                            mrw_feature *out, mrw_runtime *rt, mrw_error *err) {
  mrw_feature shortcut = {0}, a = {0}, b = {0};
  mrw_status s = MRW_OK;
  const mrw_feature *current = x;
  /* A stride-1 block (ResNet-50's layer1 first) holds its shortcut beside conv1's output either
   * way, as its 3x3 writes over that output. The shortcut goes first, into the hole the stem's
   * freed maps leave low in the heap, before conv1's output and the scratch split that hole: it
   * becomes C2, then C2's lateral, held until the mask head, and the maps after it no longer
   * sit above it (with ResNet-50 at 800x1199 the WebAssembly memory's high-water mark is 4 MiB
   * lower, with the RPN's bands of 24 rows). */
  int shortcut_first = block->has_downsample && block->downsample.shape.stride == 1;
  if (shortcut_first) s = mrw_conv_layer_run(&block->downsample, x, NULL, 0, &shortcut, rt, err);
  for (int i = 0; i < block->conv_count - 1 && s == MRW_OK; i++) {
    const mrw_conv_layer *conv = &block->conv[i];
    if (current != x && runs_over_input(conv, current)) {
      s = mrw_conv_layer_run_over_input(conv, (mrw_feature *)current, 1, OVER_INPUT_BAND_ROWS, rt,
                                        err);
      continue;
    }
    mrw_feature *next = current == &a ? &b : &a;
    s = mrw_conv_layer_run(conv, current, NULL, 1, next, rt, err);
    if (current != x) mrw_feature_free((mrw_feature *)current);
    current = next;
  }
  if (s == MRW_OK && block->has_downsample && !shortcut_first)
    s = mrw_conv_layer_run(&block->downsample, x, NULL, 0, &shortcut, rt, err);
  const mrw_conv_layer *last = &block->conv[block->conv_count - 1];
  if (s == MRW_OK && !block->has_downsample && !x_is_ours) {
    s = mrw_conv_layer_run(last, current, x, 1, out, rt, err);
  } else if (s == MRW_OK) {
    mrw_feature *onto = block->has_downsample ? &shortcut : x;
    s = mrw_conv_layer_run_onto(last, current, onto, 1, rt, err);
    *out = *onto;
    memset(onto, 0, sizeof *onto);
  }
  mrw_feature_free(&a);
  mrw_feature_free(&b);
  mrw_feature_free(&shortcut);
  return s;
}

static mrw_status run_stem(const mrw_resnet *net, const mrw_feature *image, mrw_feature *out,
                           mrw_runtime *rt, mrw_error *err) {
  mrw_feature conv = {0};
  mrw_status s = mrw_conv_layer_run(&net->stem, image, NULL, 1, &conv, rt, err);
  if (s == MRW_OK)
    s = mrw_feature_alloc(out, mrw_max_pool_out(conv.h, 3, 2, 1), mrw_max_pool_out(conv.w, 3, 2, 1),
                          conv.c, err);
  if (s == MRW_OK) mrw_max_pool(conv.data, conv.h, conv.w, conv.c, 3, 2, 1, out->data, rt->pool);
  mrw_feature_free(&conv);
  return s;
}

/* With release set, the image's pixels are freed (its sizes kept) once the stem has read them.
 * `done` (may be NULL) gets each stage once the body has read it for the last time: after the
 * next stage's first block, and the last stage at the end. */
static mrw_status forward(const mrw_resnet *net, const mrw_feature *image, mrw_feature *release,
                          const mrw_stage_done *done, mrw_feature stages[4], mrw_feature *stem,
                          mrw_runtime *rt, mrw_error *err) {
  memset(stages, 0, 4 * sizeof *stages);
  mrw_feature x = {0};
  mrw_status s = run_stem(net, image, &x, rt, err);
  if (release) {
    free(release->data);
    release->data = NULL;
  }
  if (s == MRW_OK && stem) {
    s = mrw_feature_alloc(stem, x.h, x.w, x.c, err);
    if (s == MRW_OK) memcpy(stem->data, x.data, mrw_feature_count(&x) * sizeof(float));
  }
  for (int stage = 0; stage < 4 && s == MRW_OK; stage++) {
    /* A stage's scratch is not held through the next: layer2's Winograd weights and
     * workspace (4.5 MB at 800x1216) would sit beside layer3's first block, whose stride-2
     * 3x3 runs with C2's lateral, C3 and its own wide conv1 map, the run's largest live set. */
    mrw_runtime_release_scratch(rt);
    int end = net->stage_first_block[stage + 1];
    for (int b = net->stage_first_block[stage]; b < end && s == MRW_OK; b++) {
      mrw_feature y = {0};
      /* A stage's first block reads the previous stage's output, the caller's; the other
       * blocks read x, which is ours. */
      int first = stage > 0 && b == net->stage_first_block[stage];
      s = run_block(&net->blocks[b], first ? &stages[stage - 1] : &x, !first, &y, rt, err);
      mrw_feature_free(&x);
      x = y;
      if (s == MRW_OK && first && done)
        s = done->run(done->ctx, stage - 1, &stages[stage - 1], rt, err);
    }
    if (s == MRW_OK) {
      stages[stage] = x;
      x = (mrw_feature){0};
    }
  }
  if (s == MRW_OK && done) s = done->run(done->ctx, 3, &stages[3], rt, err);
  if (s != MRW_OK) {
    mrw_feature_free(&x);
    for (int i = 0; i < 4; i++) mrw_feature_free(&stages[i]);
  }
  return s;
}

mrw_status mrw_resnet_forward(const mrw_resnet *net, const mrw_feature *image,
                              mrw_feature stages[4], mrw_feature *stem, mrw_runtime *rt,
                              mrw_error *err) {
  return forward(net, image, NULL, NULL, stages, stem, rt, err);
}

mrw_status mrw_resnet_forward_consuming(const mrw_resnet *net, mrw_feature *image,
                                        const mrw_stage_done *done, mrw_feature stages[4],
                                        mrw_runtime *rt, mrw_error *err) {
  return forward(net, image, image, done, stages, NULL, rt, err);
}
