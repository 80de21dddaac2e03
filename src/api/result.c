#include "api/result.h"

#include <stdlib.h>
#include <string.h>

mrw_status mrw_result_build(mrw_detection_result *detections, char *const *labels, int width,
                            int height, float mask_threshold, mrw_result **out, mrw_error *err) {
  *out = NULL;
  mrw_result *r = calloc(1, sizeof *r);
  int n = detections->count;
  if (r) r->items = calloc(n ? (size_t)n : 1, sizeof *r->items);
  if (!r || !r->items) {
    free(r);
    return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for the result");
  }
  r->width = width;
  r->height = height;
  memcpy(r->stage_ms, detections->stage_ms, sizeof r->stage_ms);
  for (int i = 0; i < n; i++) {
    mrw_instance *src = &detections->instances[i];
    mrw_result_instance *dst = &r->items[i];
    memcpy(dst->box, src->box, sizeof dst->box);
    dst->label = src->label;
    dst->score = src->score;
    dst->mask = src->mask;
    memset(&src->mask, 0, sizeof src->mask);
    r->count = i + 1;
    size_t name_length = strlen(labels[src->label]) + 1;
    size_t pixels = (size_t)dst->mask.width * dst->mask.height;
    dst->class_name = malloc(name_length);
    dst->binary = malloc(pixels ? pixels : 1);
    if (!dst->class_name || !dst->binary) {
      mrw_result_free(r);
      return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for the result");
    }
    memcpy(dst->class_name, labels[src->label], name_length);
    for (size_t p = 0; p < pixels; p++) dst->binary[p] = dst->mask.probs[p] > mask_threshold;
  }
  *out = r;
  return MRW_OK;
}

void mrw_result_free(mrw_result *result) {
  if (!result) return;
  for (int i = 0; i < result->count; i++) {
    free(result->items[i].class_name);
    free(result->items[i].binary);
    mrw_mask_window_free(&result->items[i].mask);
  }
  free(result->items);
  free(result);
}

static const mrw_result_instance *item(const mrw_result *r, int i) {
  return (r && i >= 0 && i < r->count) ? &r->items[i] : NULL;
}

int mrw_result_count(const mrw_result *result) { return result ? result->count : 0; }
int mrw_result_image_width(const mrw_result *result) { return result ? result->width : 0; }
int mrw_result_image_height(const mrw_result *result) { return result ? result->height : 0; }

const float *mrw_result_box(const mrw_result *result, int i) {
  const mrw_result_instance *it = item(result, i);
  return it ? it->box : NULL;
}

int mrw_result_label(const mrw_result *result, int i) {
  const mrw_result_instance *it = item(result, i);
  return it ? it->label : 0;
}

const char *mrw_result_class_name(const mrw_result *result, int i) {
  const mrw_result_instance *it = item(result, i);
  return it ? it->class_name : NULL;
}

float mrw_result_score(const mrw_result *result, int i) {
  const mrw_result_instance *it = item(result, i);
  return it ? it->score : 0.0f;
}

void mrw_result_mask_rect(const mrw_result *result, int i, int *x, int *y, int *width, int *height) {
  const mrw_result_instance *it = item(result, i);
  if (x) *x = it ? it->mask.x : 0;
  if (y) *y = it ? it->mask.y : 0;
  if (width) *width = it ? it->mask.width : 0;
  if (height) *height = it ? it->mask.height : 0;
}

const uint8_t *mrw_result_mask(const mrw_result *result, int i) {
  const mrw_result_instance *it = item(result, i);
  return it ? it->binary : NULL;
}

const float *mrw_result_mask_probabilities(const mrw_result *result, int i) {
  const mrw_result_instance *it = item(result, i);
  return it ? it->mask.probs : NULL;
}

mrw_status mrw_result_full_mask(const mrw_result *result, int i, uint8_t *dst, size_t dst_size) {
  const mrw_result_instance *it = item(result, i);
  if (!it || !dst || dst_size < (size_t)result->width * result->height) return MRW_ERR_INVALID_ARGUMENT;
  memset(dst, 0, (size_t)result->width * result->height);
  for (int y = 0; y < it->mask.height; y++)
    memcpy(dst + (size_t)(it->mask.y + y) * result->width + it->mask.x,
           it->binary + (size_t)y * it->mask.width, (size_t)it->mask.width);
  return MRW_OK;
}

static const char *const stage_names[MRW_STAGE_COUNT] = {
    "preprocess", "backbone", "fpn", "rpn", "box_head", "mask_head", "paste"};

const char *mrw_stage_name(int stage) {
  return (stage >= 0 && stage < MRW_STAGE_COUNT) ? stage_names[stage] : NULL;
}

double mrw_result_stage_ms(const mrw_result *result, int stage) {
  return (result && stage >= 0 && stage < MRW_STAGE_COUNT) ? result->stage_ms[stage] : 0.0;
}
