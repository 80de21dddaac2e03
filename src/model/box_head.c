#include "model/box_head.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/boxes.h"
#include "model/batched_nms.h"
#include "model/roi_pool.h"

#define BOX_POOLED 7

mrw_status mrw_box_head_load(mrw_box_head *head, const mrw_safetensors *file,
                             const mrw_config *config, mrw_error *err) {
  memset(head, 0, sizeof *head);
  int c = config->fpn_channels, rep = config->box_head, classes = config->num_classes;
  int in_features = c * BOX_POOLED * BOX_POOLED;
  head->classes = classes;
  /* Our RoI features are [7][7][C]; torch flattens [C][7][7]. */
  int *order = malloc((size_t)in_features * sizeof *order);
  if (!order) return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for the box head");
  for (int p = 0; p < BOX_POOLED * BOX_POOLED; p++)
    for (int ch = 0; ch < c; ch++) order[p * c + ch] = ch * BOX_POOLED * BOX_POOLED + p;
  const char *fc6[] = {"roi_heads.box_head.fc6"}, *fc7[] = {"roi_heads.box_head.fc7"};
  const char *predictor[] = {"roi_heads.box_predictor.cls_score", "roi_heads.box_predictor.bbox_pred"};
  int predictor_out[] = {classes, 4 * classes};
  mrw_status s = mrw_linear_load(&head->fc6, file, fc6, &rep, 1, in_features, order, err);
  if (s == MRW_OK) s = mrw_linear_load(&head->fc7, file, fc7, &rep, 1, rep, NULL, err);
  if (s == MRW_OK) s = mrw_linear_load(&head->predictor, file, predictor, predictor_out, 2, rep, NULL, err);
  free(order);
  if (s != MRW_OK) mrw_box_head_free(head);
  return s;
}

void mrw_box_head_free(mrw_box_head *head) {
  if (!head) return;
  mrw_linear_free(&head->fc6);
  mrw_linear_free(&head->fc7);
  mrw_linear_free(&head->predictor);
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

mrw_status mrw_box_head_run(const mrw_box_head *head, const mrw_config *config,
                            const mrw_feature levels[MRW_FPN_LEVELS], int resized_h,
                            int resized_w, const mrw_proposals *proposals, mrw_box_detections *out,
                            mrw_runtime *rt, mrw_error *err) {
  memset(out, 0, sizeof *out);
  int n = proposals->count, rep = head->fc6.out_features;
  size_t rows = n ? (size_t)n : 1;
  float *features = malloc(rows * head->fc6.in_features * sizeof(float));
  float *hidden6 = malloc(rows * rep * sizeof(float));
  float *hidden7 = malloc(rows * rep * sizeof(float));
  float *predictions = malloc(rows * head->predictor.out_features * sizeof(float));
  mrw_box_detections candidates = {0};
  int *keep = NULL;
  mrw_status s = (features && hidden6 && hidden7 && predictions)
                     ? MRW_OK
                     : mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for the box head");
  if (s == MRW_OK && n > 0) {
    mrw_multiscale_roi_align(levels, config->fpn_levels - 1, resized_h, proposals->boxes, n, BOX_POOLED, 2, features, rt);
    s = mrw_linear_run(&head->fc6, features, n, 1, hidden6, rt, err);
    if (s == MRW_OK) s = mrw_linear_run(&head->fc7, hidden6, n, 1, hidden7, rt, err);
    if (s == MRW_OK) s = mrw_linear_run(&head->predictor, hidden7, n, 0, predictions, rt, err);
  }
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
  free(features);
  free(hidden6);
  free(hidden7);
  free(predictions);
  return s;
}
