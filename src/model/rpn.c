#include "model/rpn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/boxes.h"
#include "kernels/conv2d.h"
#include "kernels/gemm.h"
#include "model/anchors.h"
#include "model/batched_nms.h"
#include "model/conv_norm_layer.h"

/* The objectness and delta 1x1 convs read as one: weights and biases concatenated. */
static mrw_status load_fused_heads(mrw_rpn *rpn, const mrw_safetensors *file, int channels,
                                   mrw_error *err) {
  int a = rpn->anchors;
  int64_t cls_w[4] = {a, channels, 1, 1}, box_w[4] = {4 * a, channels, 1, 1};
  int64_t cls_b[1] = {a}, box_b[1] = {4 * a};
  float *parts[4] = {0};
  mrw_status s = mrw_read_tensor_f32(file, "rpn.head.cls_logits.weight", 4, cls_w, &parts[0], err);
  if (s == MRW_OK) s = mrw_read_tensor_f32(file, "rpn.head.cls_logits.bias", 1, cls_b, &parts[1], err);
  if (s == MRW_OK) s = mrw_read_tensor_f32(file, "rpn.head.bbox_pred.weight", 4, box_w, &parts[2], err);
  if (s == MRW_OK) s = mrw_read_tensor_f32(file, "rpn.head.bbox_pred.bias", 1, box_b, &parts[3], err);
  mrw_conv_layer *l = &rpn->heads;
  if (s == MRW_OK) {
    l->shape = (mrw_conv_shape){.in_c = channels, .out_c = 5 * a, .kernel_h = 1, .kernel_w = 1,
                                .stride = 1, .pad = 0, .batch = 1};
    float *weights = malloc((size_t)5 * a * channels * sizeof(float));
    l->bias = malloc((size_t)5 * a * sizeof(float));
    l->packed = malloc(mrw_conv_packed_floats(&l->shape) * sizeof(float));
    if (!weights || !l->bias || !l->packed) {
      s = mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for the RPN head");
    } else {
      memcpy(weights, parts[0], (size_t)a * channels * sizeof(float));
      memcpy(weights + (size_t)a * channels, parts[2], (size_t)4 * a * channels * sizeof(float));
      memcpy(l->bias, parts[1], (size_t)a * sizeof(float));
      memcpy(l->bias + a, parts[3], (size_t)4 * a * sizeof(float));
      mrw_conv_pack_weights(&l->shape, weights, l->packed);
    }
    free(weights);
  }
  for (int i = 0; i < 4; i++) free(parts[i]);
  return s;
}

mrw_status mrw_rpn_load(mrw_rpn *rpn, const mrw_safetensors *file, const mrw_config *config,
                        mrw_error *err) {
  memset(rpn, 0, sizeof *rpn);
  rpn->anchors = mrw_anchors_per_position(config);
  int c = config->fpn_channels;
  rpn->conv_depth = config->rpn_conv_depth;
  mrw_status s = MRW_OK;
  int map_pixels = mrw_config_level_map_pixels(config, 0); /* the head runs on every level */
  if (config->legacy_names) {
    mrw_conv_spec spec = {"rpn.head.conv.weight", "rpn.head.conv.bias", NULL, 0.0f, c, c, 3, 1, 1,
                          map_pixels};
    s = mrw_conv_layer_load(&rpn->convs[0], file, &spec, err);
  }
  for (int i = 0; i < rpn->conv_depth && !config->legacy_names && s == MRW_OK; i++) {
    char prefix[64];
    snprintf(prefix, sizeof prefix, "rpn.head.conv.%d", i);
    s = mrw_conv_norm_layer_load(&rpn->convs[i], file, prefix, MRW_NORM_NONE, 0.0f, c, c, 3,
                                 map_pixels, err);
  }
  if (s == MRW_OK) s = load_fused_heads(rpn, file, c, err);
  if (s != MRW_OK) mrw_rpn_free(rpn);
  return s;
}

void mrw_rpn_free(mrw_rpn *rpn) {
  if (!rpn) return;
  for (int i = 0; i < MRW_MAX_RPN_CONV_DEPTH; i++) mrw_conv_layer_free(&rpn->convs[i]);
  mrw_conv_layer_free(&rpn->heads);
}

void mrw_proposals_free(mrw_proposals *p) {
  if (!p) return;
  free(p->boxes);
  free(p->scores);
  memset(p, 0, sizeof *p);
}

/* Candidates gathered over all levels before NMS. */
typedef struct candidates {
  float *boxes, *scores;
  int *levels;
  size_t count;
} candidates;

/* One level: top-k by logit, decoded, sigmoid, clipped, filtered; appended to c. */
static mrw_status level_candidates(const mrw_rpn *rpn, const mrw_config *config, int level,
                                   const mrw_feature *head, int image_h, int image_w,
                                   int resized_h, int resized_w, candidates *c, mrw_error *err) {
  int a = rpn->anchors;
  size_t n = (size_t)head->h * head->w * a;
  size_t k = n < (size_t)config->rpn_pre_nms_top_n ? n : (size_t)config->rpn_pre_nms_top_n;
  mrw_scored *order = malloc(n * sizeof *order);
  float *anchors = malloc(n * 4 * sizeof *anchors);
  if (!order || !anchors) {
    free(order);
    free(anchors);
    return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for RPN level %d", level);
  }
  for (size_t i = 0; i < n; i++) {
    size_t pixel = i / a, anchor = i % a;
    order[i] = (mrw_scored){head->data[pixel * 5 * a + anchor], (int)i};
  }
  mrw_scored_top_k(order, n, k);
  mrw_anchors_for_level(config, level, image_h, image_w, head->h, head->w, anchors);
  /* the RPN's BoxCoder(weights=(1.0, 1.0, 1.0, 1.0)) */
  static const float weights[4] = {1.0f, 1.0f, 1.0f, 1.0f};
  const float clip = (float)log(MRW_BOX_XFORM_CLIP_RATIO);
  const float min_size = (float)config->rpn_min_size, score_thresh = (float)config->rpn_score_thresh;
  for (size_t j = 0; j < k; j++) {
    size_t i = (size_t)order[j].index, pixel = i / a, anchor = i % a;
    const float *deltas = head->data + pixel * 5 * a + a + anchor * 4;
    float *box = c->boxes + c->count * 4;
    mrw_box_decode(deltas, anchors + i * 4, weights, clip, box);
    mrw_box_clip(box, (float)resized_w, (float)resized_h);
    float score = 1.0f / (1.0f + expf(-order[j].score));
    if (!mrw_box_big_enough(box, min_size) || !(score >= score_thresh)) continue;
    c->scores[c->count] = score;
    c->levels[c->count] = level;
    c->count++;
  }
  free(order);
  free(anchors);
  return MRW_OK;
}

/* Rows per band of the head's 3x3 convolution (7.5 MB of 256 channels at 800x1216). With 16
 * rows the calls took about 5 % longer: each band's last thread-band often runs alone. Bands of
 * 32 rows (10 MB) did not fit the gaps the FPN's maps leave in the heap: with ResNet-50 at
 * 800x1199 they set the WebAssembly memory's high-water mark, 4 MiB above what 24 rows reach. */
#define HEAD_BAND_ROWS 24

typedef struct head_rows {
  const mrw_conv_layer *heads; /* the fused 1x1 objectness and delta convolutions */
  mrw_feature *out;
  mrw_runtime *rt;
} head_rows;

/* The fused 1x1 heads (float GEMM weights, load_fused_heads) on one band of hidden rows,
 * into the same rows of the level's head map. */
static mrw_status heads_on_band(void *ctx, const mrw_feature *band, int row0, mrw_error *err) {
  (void)err;
  head_rows *h = ctx;
  mrw_conv_shape shape = h->heads->shape;
  shape.in_h = band->h;
  shape.in_w = band->w;
  mrw_epilogue e = {h->heads->bias, NULL, 0, 0, NULL};
  float *rows = h->out->data + (size_t)row0 * h->out->w * h->out->c;
  mrw_conv2d(&shape, band->data, h->heads->packed, &e, rows, h->rt->gemm_workspace, h->rt->pool);
  return MRW_OK;
}

/* One level's head map (v1's one 3x3 convolution), its hidden map a band at a time: on the
 * finest level that map is as large as the level itself. */
static mrw_status run_head_in_bands(const mrw_rpn *rpn, const mrw_feature *level,
                                    mrw_feature *head, mrw_runtime *rt, mrw_error *err) {
  mrw_status s = mrw_feature_alloc(head, level->h, level->w, rpn->heads.shape.out_c, err);
  head_rows ctx = {&rpn->heads, head, rt};
  if (s == MRW_OK)
    s = mrw_conv_layer_run_bands(&rpn->convs[0], level, 1, HEAD_BAND_ROWS, heads_on_band, &ctx,
                                 rt, err);
  return s;
}

mrw_status mrw_rpn_run(const mrw_rpn *rpn, const mrw_config *config,
                       const mrw_feature levels[MRW_FPN_LEVELS], int image_h, int image_w,
                       int resized_h, int resized_w, mrw_proposals *out, mrw_runtime *rt,
                       mrw_error *err) {
  memset(out, 0, sizeof *out);
  size_t capacity = 0;
  for (int l = 0; l < config->fpn_levels; l++) {
    size_t n = (size_t)levels[l].h * levels[l].w * rpn->anchors;
    capacity += n < (size_t)config->rpn_pre_nms_top_n ? n : (size_t)config->rpn_pre_nms_top_n;
  }
  candidates c = {malloc(capacity * 4 * sizeof(float)), malloc(capacity * sizeof(float)),
                  malloc(capacity * sizeof(int)), 0};
  int *keep = malloc(capacity * sizeof *keep);
  mrw_status s = (c.boxes && c.scores && c.levels && keep)
                     ? MRW_OK
                     : mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for proposals");
  for (int l = 0; l < config->fpn_levels && s == MRW_OK; l++) {
    mrw_feature hidden = {0}, head = {0};
    if (rpn->conv_depth == 1 && mrw_conv_layer_runs_in_bands(&rpn->convs[0])) {
      s = run_head_in_bands(rpn, &levels[l], &head, rt, err);
    } else {
      s = mrw_conv_layer_run(&rpn->convs[0], &levels[l], NULL, 1, &hidden, rt, err);
      for (int i = 1; i < rpn->conv_depth && s == MRW_OK; i++) {
        mrw_feature next = {0};
        s = mrw_conv_layer_run(&rpn->convs[i], &hidden, NULL, 1, &next, rt, err);
        mrw_feature_free(&hidden);
        hidden = next;
      }
      if (s == MRW_OK) s = mrw_conv_layer_run(&rpn->heads, &hidden, NULL, 0, &head, rt, err);
    }
    if (s == MRW_OK)
      s = level_candidates(rpn, config, l, &head, image_h, image_w, resized_h, resized_w, &c, err);
    mrw_feature_free(&hidden);
    mrw_feature_free(&head);
  }
  size_t kept = 0;
  if (s == MRW_OK)
    s = mrw_batched_nms(c.boxes, c.scores, c.levels, c.count, config->rpn_nms_thresh, keep, &kept, err);
  if (s == MRW_OK) {
    if (kept > (size_t)config->rpn_post_nms_top_n) kept = (size_t)config->rpn_post_nms_top_n;
    out->boxes = malloc((kept ? kept : 1) * 4 * sizeof(float));
    out->scores = malloc((kept ? kept : 1) * sizeof(float));
    if (!out->boxes || !out->scores) {
      s = mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for proposals");
      mrw_proposals_free(out);
    } else {
      for (size_t i = 0; i < kept; i++) {
        memcpy(out->boxes + i * 4, c.boxes + (size_t)keep[i] * 4, 4 * sizeof(float));
        out->scores[i] = c.scores[keep[i]];
      }
      out->count = (int)kept;
    }
  }
  free(c.boxes);
  free(c.scores);
  free(c.levels);
  free(keep);
  return s;
}
