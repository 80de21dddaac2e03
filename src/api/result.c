#include "api/result.h"

#include <stdlib.h>
#include <string.h>

mrw_status mrw_instances_finish(mrw_result *result, char *const *labels, float mask_threshold,
                                mrw_error *err) {
  for (int i = 0; i < result->count; i++) {
    mrw_instance *it = &result->instances[i];
    size_t name_length = strlen(labels[it->label]) + 1;
    size_t pixels = (size_t)it->mask.width * it->mask.height;
    it->class_name = malloc(name_length);
    it->binary = malloc(pixels ? pixels : 1);
    if (!it->class_name || !it->binary)
      return mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for the result");
    memcpy(it->class_name, labels[it->label], name_length);
    for (size_t p = 0; p < pixels; p++) it->binary[p] = it->mask.probs[p] > mask_threshold;
  }
  return MRW_OK;
}

_Static_assert(MRW_STAGE_COUNT == MRW_STAGES, "the public header's stage count is the detector's");

void mrw_result_free(mrw_result *result) { mrw_instances_free(result); }

const mrw_instance *mrw_instance_at(const mrw_result *r, int i) {
  return (r && i >= 0 && i < r->count) ? &r->instances[i] : NULL;
}

int mrw_result_count(const mrw_result *result) { return result ? result->count : 0; }
int mrw_result_image_width(const mrw_result *result) { return result ? result->width : 0; }
int mrw_result_image_height(const mrw_result *result) { return result ? result->height : 0; }

const float *mrw_result_box(const mrw_result *result, int i) {
  const mrw_instance *it = mrw_instance_at(result, i);
  return it ? it->box : NULL;
}

int mrw_result_label(const mrw_result *result, int i) {
  const mrw_instance *it = mrw_instance_at(result, i);
  return it ? it->label : 0;
}

const char *mrw_result_class_name(const mrw_result *result, int i) {
  const mrw_instance *it = mrw_instance_at(result, i);
  return it ? it->class_name : NULL;
}

float mrw_result_score(const mrw_result *result, int i) {
  const mrw_instance *it = mrw_instance_at(result, i);
  return it ? it->score : 0.0f;
}

void mrw_result_mask_rect(const mrw_result *result, int i, int *x, int *y, int *width, int *height) {
  const mrw_instance *it = mrw_instance_at(result, i);
  if (x) *x = it ? it->mask.x : 0;
  if (y) *y = it ? it->mask.y : 0;
  if (width) *width = it ? it->mask.width : 0;
  if (height) *height = it ? it->mask.height : 0;
}

const uint8_t *mrw_result_mask(const mrw_result *result, int i) {
  const mrw_instance *it = mrw_instance_at(result, i);
  return it ? it->binary : NULL;
}

const float *mrw_result_mask_probabilities(const mrw_result *result, int i) {
  const mrw_instance *it = mrw_instance_at(result, i);
  return it ? it->mask.probs : NULL;
}

mrw_status mrw_result_full_mask(const mrw_result *result, int i, uint8_t *dst, size_t dst_size) {
  const mrw_instance *it = mrw_instance_at(result, i);
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
