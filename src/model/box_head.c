#include "model/box_head.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/passes.h"
#include "kernels/boxes.h"
#include "model/batched_nms.h"
#include "model/conv_norm_layer.h"
#include "model/roi_pool.h"

#define BOX_POOLED 7

/* RoIs convolved at once by the conv head: bounds its two live feature maps (and the
 * Winograd workspace) at chunk x 7 x 7 x channels floats. */
#define BOX_CONV_CHUNK 64
/* Pooled features per pass of pooling and fc6, in floats (8 MB): 167 proposals of 12544
 * floats, so ResNet-50's 1000 go in six equal passes instead of 50 MB at once, and a live
 * frame's 150 in one (each pass streams fc6's whole matrix again, which a frame's small
 * passes would pay for). Each row of fc6's output is summed the same way whatever the pass. */
#define BOX_FC6_PASS_FLOATS ((size_t)2 << 20)

/* FastRCNNConvFCHead's convolutions: roi_heads.box_head.N.0 (+ .1, a BatchNorm). */
static mrw_status load_convs(mrw_box_head *head, const mrw_safetensors *file,
                             const mrw_config *config, mrw_error *err) {
  head->conv_count = config->box_head_conv_layers;
  head->convs = calloc((size_t)head->conv_count, sizeof *head->convs);
  if (!head->convs) return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for the box head");
  mrw_status s = MRW_OK;
  int in_c = config->fpn_channels;
  for (int i = 0; i < head->conv_count && s == MRW_OK; i++) {
    char prefix[64];
    snprintf(prefix, sizeof prefix, "roi_heads.box_head.%d", i);
    s = mrw_conv_norm_layer_load(&head->convs[i], file, prefix, config->box_head_norm,
                                 config->bn_eps, in_c, config->box_head_conv_channels, 3,
                                 0 /* 7x7 RoIs: weights transformed at load */, err);
    in_c = config->box_head_conv_channels;
  }
  return s;
}

mrw_status mrw_box_head_load(mrw_box_head *head, const mrw_safetensors *file,
                             const mrw_config *config, mrw_error *err) {
  memset(head, 0, sizeof *head);
  int conv_head = config->box_head_conv_layers > 0;
  int c = conv_head ? config->box_head_conv_channels : config->fpn_channels;
  int rep = config->box_head, classes = config->num_classes;
  int in_features = c * BOX_POOLED * BOX_POOLED;
  head->classes = classes;
  mrw_status s = conv_head ? load_convs(head, file, config, err) : MRW_OK;
  /* Our RoI features are [7][7][C]; torch flattens [C][7][7]. */
  int *order = malloc((size_t)in_features * sizeof *order);
  if (!order) s = mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for the box head");
  for (int p = 0; order && p < BOX_POOLED * BOX_POOLED; p++)
    for (int ch = 0; ch < c; ch++) order[p * c + ch] = ch * BOX_POOLED * BOX_POOLED + p;
  /* The conv head's Linear follows its convolutions and a Flatten module in the Sequential. */
  char fc_name[64];
  snprintf(fc_name, sizeof fc_name, "roi_heads.box_head.%d", config->box_head_conv_layers + 1);
  const char *fc6[] = {conv_head ? fc_name : "roi_heads.box_head.fc6"};
  const char *fc7[] = {"roi_heads.box_head.fc7"};
  const char *predictor[] = {"roi_heads.box_predictor.cls_score", "roi_heads.box_predictor.bbox_pred"};
  int predictor_out[] = {classes, 4 * classes};
  if (s == MRW_OK) s = mrw_linear_load(&head->fc6, file, fc6, &rep, 1, in_features, order, err);
  if (s == MRW_OK && !conv_head) s = mrw_linear_load(&head->fc7, file, fc7, &rep, 1, rep, NULL, err);
  if (s == MRW_OK) s = mrw_linear_load(&head->predictor, file, predictor, predictor_out, 2, rep, NULL, err);
  free(order);
  if (s != MRW_OK) mrw_box_head_free(head);
  return s;
}

void mrw_box_head_free(mrw_box_head *head) {
  if (!head) return;
  if (head->convs)
    for (int i = 0; i < head->conv_count; i++) mrw_conv_layer_free(&head->convs[i]);
  free(head->convs);
  mrw_linear_free(&head->fc6);
  mrw_linear_free(&head->fc7);
  mrw_linear_free(&head->predictor);
  memset(head, 0, sizeof *head);
}

/* The box head's input rows, [n][7][7][C] (fc6's features): the pooled RoIs, or for the conv
 * head the pooled RoIs through its convolutions, a chunk of RoIs at a time stacked as one tall
 * [chunk * 7][7][C] feature and convolved as a batch. */
static mrw_status box_features(const mrw_box_head *head, const mrw_config *config,
                               const mrw_feature levels[MRW_FPN_LEVELS], int resized_h,
                               const mrw_proposals *proposals, float *features, mrw_runtime *rt,
                               mrw_error *err) {
  int n = proposals->count, roi_levels = config->fpn_levels - 1;
  if (head->conv_count == 0) {
    mrw_multiscale_roi_align(levels, roi_levels, resized_h, proposals->boxes, n, BOX_POOLED, 2, features, rt);
    return MRW_OK;
  }
  size_t row = (size_t)head->fc6.in_features;
  mrw_status s = MRW_OK;
  for (int first = 0; first < n && s == MRW_OK; first += BOX_CONV_CHUNK) {
    int count = n - first < BOX_CONV_CHUNK ? n - first : BOX_CONV_CHUNK;
    mrw_feature x = {0}, y = {0};
    s = mrw_feature_alloc(&x, count * BOX_POOLED, BOX_POOLED, levels[0].c, err);
    if (s == MRW_OK)
      mrw_multiscale_roi_align(levels, roi_levels, resized_h, proposals->boxes + (size_t)first * 4,
                               count, BOX_POOLED, 2, x.data, rt);
    for (int i = 0; i < head->conv_count && s == MRW_OK; i++) {
      s = mrw_conv_layer_run_batch(&head->convs[i], &x, count, NULL, 1, &y, rt, err);
      mrw_feature_free(&x);
      x = y;
      memset(&y, 0, sizeof y);
    }
    if (s == MRW_OK) memcpy(features + (size_t)first * row, x.data, (size_t)count * row * sizeof(float));
    mrw_feature_free(&x);
  }
  return s;
}

void mrw_box_detections_free(mrw_box_detections *d) {
  if (!d) return;
  free(d->boxes);
  free(d->scores);
  free(d->labels);
  memset(d, 0, sizeof *d);
}

/* Softmax over one row of logits as torch computes it: exp(x - max), times 1 / sum. */
static void softmax_row(const float *logits, int n, float *out) {
  float max = logits[0];
  for (int i = 1; i < n; i++) max = logits[i] > max ? logits[i] : max;
  float sum = 0.0f;
  for (int i = 0; i < n; i++) sum += out[i] = expf(logits[i] - max);
  float inv = 1.0f / sum;
  for (int i = 0; i < n; i++) out[i] *= inv;
}

/* Every (proposal, foreground class) pair that passes the score and size filters. */
static mrw_status collect_candidates(const mrw_box_head *head, const mrw_config *config,
                                     const float *predictions, const mrw_proposals *proposals,
                                     int resized_h, int resized_w, mrw_box_detections *c,
                                     mrw_error *err) {
  int classes = head->classes, stride = 5 * classes;
  size_t capacity = (size_t)proposals->count * (classes - 1);
  c->boxes = malloc((capacity ? capacity : 1) * 4 * sizeof(float));
  c->scores = malloc((capacity ? capacity : 1) * sizeof(float));
  c->labels = malloc((capacity ? capacity : 1) * sizeof(int));
  float *probs = malloc((size_t)classes * sizeof(float));
  if (!c->boxes || !c->scores || !c->labels || !probs) {
    free(probs);
    return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for detections");
  }
  /* RoIHeads' BoxCoder: torchvision's bbox_reg_weights default (10.0, 10.0, 5.0, 5.0) */
  static const float weights[4] = {10.0f, 10.0f, 5.0f, 5.0f};
  const float clip = (float)log(MRW_BOX_XFORM_CLIP_RATIO);
  const float score_thresh = (float)config->box_score_thresh, min_size = (float)config->box_min_size;
  for (int i = 0; i < proposals->count; i++) {
    const float *row = predictions + (size_t)i * stride;
    softmax_row(row, classes, probs);
    for (int j = 1; j < classes; j++) {
      if (!(probs[j] > score_thresh)) continue;
      float *box = c->boxes + (size_t)c->count * 4;
      mrw_box_decode(row + classes + 4 * j, proposals->boxes + (size_t)i * 4, weights, clip, box);
      mrw_box_clip(box, (float)resized_w, (float)resized_h);
      if (!mrw_box_big_enough(box, min_size)) continue;
      c->scores[c->count] = probs[j];
      c->labels[c->count] = j;
      c->count++;
    }
  }
  free(probs);
  return MRW_OK;
}

mrw_status mrw_box_head_predict(const mrw_box_head *head, const mrw_config *config,
                                const mrw_feature levels[MRW_FPN_LEVELS], int resized_h,
                                const mrw_proposals *proposals, float *predictions,
                                mrw_runtime *rt, mrw_error *err) {
  int n = proposals->count, rep = head->fc6.out_features;
  if (n == 0) return MRW_OK;
  size_t most = BOX_FC6_PASS_FLOATS / (size_t)head->fc6.in_features;
  int chunk = mrw_equal_pass_size(n, most < (size_t)n ? (int)most : n);
  float *features = malloc((size_t)chunk * head->fc6.in_features * sizeof(float));
  float *hidden6 = malloc((size_t)n * rep * sizeof(float));
  float *hidden7 = malloc((size_t)n * rep * sizeof(float));
  mrw_status s = (features && hidden6 && hidden7)
                     ? MRW_OK
                     : mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for the box head");
  for (int first = 0; first < n && s == MRW_OK; first += chunk) {
    int count = n - first < chunk ? n - first : chunk;
    mrw_proposals part = {proposals->boxes + (size_t)first * 4,
                          proposals->scores ? proposals->scores + first : NULL, count};
    s = box_features(head, config, levels, resized_h, &part, features, rt, err);
    if (s == MRW_OK)
      s = mrw_linear_run(&head->fc6, features, count, 1, hidden6 + (size_t)first * rep, rt, err);
  }
  /* the conv head has one fully connected layer: the predictor reads fc6's output */
  int two_mlp = head->conv_count == 0;
  if (s == MRW_OK && two_mlp) s = mrw_linear_run(&head->fc7, hidden6, n, 1, hidden7, rt, err);
  if (s == MRW_OK)
    s = mrw_linear_run(&head->predictor, two_mlp ? hidden7 : hidden6, n, 0, predictions, rt, err);
  free(features);
  free(hidden6);
  free(hidden7);
  return s;
}

mrw_status mrw_box_head_run(const mrw_box_head *head, const mrw_config *config,
                            const mrw_feature levels[MRW_FPN_LEVELS], int resized_h,
                            int resized_w, const mrw_proposals *proposals, mrw_box_detections *out,
                            mrw_runtime *rt, mrw_error *err) {
  memset(out, 0, sizeof *out);
  int n = proposals->count;
  float *predictions = malloc((n ? (size_t)n : 1) * head->predictor.out_features * sizeof(float));
  mrw_box_detections candidates = {0};
  int *keep = NULL;
  mrw_status s = predictions ? mrw_box_head_predict(head, config, levels, resized_h, proposals,
                                                    predictions, rt, err)
                             : mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for the box head");
  if (s == MRW_OK && n > 0) {
    s = collect_candidates(head, config, predictions, proposals, resized_h, resized_w, &candidates, err);
  }
  size_t kept = 0;
  if (s == MRW_OK && candidates.count > 0) {
    keep = malloc((size_t)candidates.count * sizeof *keep);
    s = keep ? mrw_batched_nms(candidates.boxes, candidates.scores, candidates.labels,
                               (size_t)candidates.count, config->box_nms_thresh, keep, &kept, err)
             : mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for NMS");
  }
  if (s == MRW_OK) {
    if (kept > (size_t)config->box_detections_per_img) kept = (size_t)config->box_detections_per_img;
    out->boxes = malloc((kept ? kept : 1) * 4 * sizeof(float));
    out->scores = malloc((kept ? kept : 1) * sizeof(float));
    out->labels = malloc((kept ? kept : 1) * sizeof(int));
    if (!out->boxes || !out->scores || !out->labels) {
      s = mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for detections");
      mrw_box_detections_free(out);
    } else {
      for (size_t i = 0; i < kept; i++) {
        memcpy(out->boxes + i * 4, candidates.boxes + (size_t)keep[i] * 4, 4 * sizeof(float));
        out->scores[i] = candidates.scores[keep[i]];
        out->labels[i] = candidates.labels[keep[i]];
      }
      out->count = (int)kept;
    }
  }
  free(keep);
  mrw_box_detections_free(&candidates);
  free(predictions);
  return s;
}
