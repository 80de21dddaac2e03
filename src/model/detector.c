#include "model/detector.h"

#include <stdlib.h>
#include <string.h>

#include "base/clock.h"

mrw_status mrw_detector_load(mrw_detector *d, mrw_safetensors *file, mrw_error *err) {
  memset(d, 0, sizeof *d);
  const char *format = mrw_safetensors_metadata(file, "format");
  if (!format || strcmp(format, "maskrcnn-wasm") != 0)
    return mrw_error_set(err, MRW_ERR_BAD_MODEL,
                         "not a maskrcnn-wasm model file (__metadata__.format is %s%s%s)",
                         format ? "\"" : "", format ? format : "missing", format ? "\"" : "");
  const char *version = mrw_safetensors_metadata(file, "format_version");
  if (!version || strcmp(version, "1") != 0)
    return mrw_error_set(err, MRW_ERR_UNSUPPORTED, "model file format version %s is not supported "
                         "(this engine reads version 1)", version ? version : "(missing)");
  const char *json = mrw_safetensors_metadata(file, "config");
  if (!json) return mrw_error_set(err, MRW_ERR_BAD_MODEL, "model file has no __metadata__.config");
  mrw_status s = mrw_config_parse(json, strlen(json), &d->config, err);
  mrw_safetensors_offer_blocks(file);
  int mobilenet = d->config.backbone == MRW_BACKBONE_MOBILENET_V3_LARGE;
  if (s == MRW_OK)
    s = mobilenet ? mrw_mobilenet_v3_load(&d->mobilenet, file, &d->config, err)
                  : mrw_resnet_load(&d->resnet, file, &d->config, err);
  mrw_safetensors_release(file, "backbone.body.");
  if (s == MRW_OK)
    s = mrw_fpn_load(&d->fpn, file, &d->config,
                     mobilenet ? d->mobilenet.stage_channels : d->resnet.stage_channels, err);
  mrw_safetensors_release(file, "backbone.fpn.");
  if (s == MRW_OK) s = mrw_rpn_load(&d->rpn, file, &d->config, err);
  mrw_safetensors_release(file, "rpn.");
  if (s == MRW_OK) s = mrw_box_head_load(&d->box_head, file, &d->config, err);
  mrw_safetensors_release(file, "roi_heads.box_");
  if (s == MRW_OK) s = mrw_mask_head_load(&d->mask_head, file, &d->config, err);
  if (s != MRW_OK) mrw_detector_free(d);
  return s;
}

void mrw_detector_free(mrw_detector *d) {
  if (!d) return;
  mrw_mask_head_free(&d->mask_head);
  mrw_box_head_free(&d->box_head);
  mrw_rpn_free(&d->rpn);
  mrw_fpn_free(&d->fpn);
  mrw_resnet_free(&d->resnet);
  mrw_mobilenet_v3_free(&d->mobilenet);
  mrw_config_free(&d->config);
  memset(d, 0, sizeof *d);
}

mrw_status mrw_detector_backbone(const mrw_detector *d, const mrw_feature *image,
                                 mrw_feature stages[4], mrw_runtime *rt, mrw_error *err) {
  memset(stages, 0, 4 * sizeof *stages);
  if (d->config.backbone == MRW_BACKBONE_MOBILENET_V3_LARGE)
    return mrw_mobilenet_v3_forward(&d->mobilenet, image, stages, rt, err);
  return mrw_resnet_forward(&d->resnet, image, stages, NULL, rt, err);
}

/* Everything one run holds, freed in one place. */
typedef struct run_state {
  mrw_network_input input;
  mrw_feature stages[4];
  mrw_feature levels[MRW_FPN_LEVELS];
  mrw_proposals proposals;
  mrw_box_detections detections;
  float *mask_probs;
} run_state;

static void run_state_free(run_state *st) {
  mrw_feature_free(&st->input.image);
  for (int i = 0; i < 4; i++) mrw_feature_free(&st->stages[i]);
  for (int i = 0; i < MRW_FPN_LEVELS; i++) mrw_feature_free(&st->levels[i]);
  mrw_proposals_free(&st->proposals);
  mrw_box_detections_free(&st->detections);
  free(st->mask_probs);
}

/* Keeps the detections a caller asked for: score >= threshold, at most max_instances. */
static int kept_count(const mrw_box_detections *d, float score_threshold, int max_instances) {
  int n = 0;
  while (n < d->count && n < max_instances && d->scores[n] >= score_threshold) n++;
  return n;
}

/* Boxes back to the original image (transform.postprocess), then the masks pasted. */
static mrw_status finish_instances(const run_state *st, const mrw_image_view *image,
                                   struct mrw_result *out, mrw_error *err) {
  float ratio_h = (float)image->height / (float)st->input.resized_h;
  float ratio_w = (float)image->width / (float)st->input.resized_w;
  mrw_status s = MRW_OK;
  for (int i = 0; i < out->count && s == MRW_OK; i++) {
    mrw_instance *inst = &out->instances[i];
    const float *b = st->detections.boxes + (size_t)i * 4;
    inst->box[0] = b[0] * ratio_w;
    inst->box[1] = b[1] * ratio_h;
    inst->box[2] = b[2] * ratio_w;
    inst->box[3] = b[3] * ratio_h;
    inst->label = st->detections.labels[i];
    inst->score = st->detections.scores[i];
    s = mrw_paste_mask(st->mask_probs + (size_t)i * MRW_MASK_SIZE * MRW_MASK_SIZE, MRW_MASK_SIZE,
                       inst->box, image->height, image->width, &inst->mask, err);
  }
  return s;
}

typedef struct lateral_when_read_ctx {
  const mrw_fpn *fpn;
  double *ms; /* time spent in the laterals */
} lateral_when_read_ctx;

static mrw_status lateral_when_read(void *ctx, int stage, mrw_feature *out, mrw_runtime *rt,
                                    mrw_error *err) {
  const lateral_when_read_ctx *l = ctx;
  if (stage >= l->fpn->inputs) return MRW_OK;
  double t = mrw_clock_ms();
  mrw_status s = mrw_fpn_lateral_consuming(l->fpn, stage, out, rt, err);
  *l->ms += mrw_clock_ms() - t;
  return s;
}

mrw_status mrw_detector_run(const mrw_detector *d, const mrw_image_view *image, void *release,
                            float score_threshold, int max_instances, struct mrw_result **out,
                            mrw_runtime *rt, mrw_error *err) {
  *out = NULL;
  double stage_ms[MRW_STAGE_COUNT] = {0};
  run_state st;
  memset(&st, 0, sizeof st);
  double t = mrw_clock_ms();
/* Each stage ends by freeing the runtime's scratch: a stage's scratch (the FPN's is 13 MB at
 * 800x1216) is not held through the next, which asks for its own where it fits. */
#define STAGE_DONE(stage)                      \
  do {                                         \
    double now = mrw_clock_ms();               \
    stage_ms[stage] = now - t;                 \
    t = now;                                   \
    mrw_runtime_release_scratch(rt);           \
  } while (0)
  mrw_status s = mrw_preprocess(&d->config, image, &st.input, rt, err);
  free(release);
  STAGE_DONE(MRW_STAGE_PREPROCESS);
  int resnet = d->config.backbone != MRW_BACKBONE_MOBILENET_V3_LARGE;
  /* ResNet stages become their FPN laterals as the body finishes with them (C3's 512
   * channels become 256 before layer3's second block), so the body's later stages run beside
   * the narrower maps; the lateral is in the FPN's time, the rest in the backbone's. */
  double lateral_ms = 0;
  lateral_when_read_ctx lateral = {&d->fpn, &lateral_ms};
  mrw_stage_done done = {lateral_when_read, &lateral};
  if (s == MRW_OK)
    s = resnet
            ? mrw_resnet_forward_consuming(&d->resnet, &st.input.image, &done, st.stages, rt, err)
            : mrw_detector_backbone(d, &st.input.image, st.stages, rt, err);
  /* (only the input's sizes are needed from here on) */
  free(st.input.image.data);
  st.input.image.data = NULL;
  STAGE_DONE(MRW_STAGE_BACKBONE);
  stage_ms[MRW_STAGE_BACKBONE] -= lateral_ms;
  t -= lateral_ms;
  if (s == MRW_OK)
    s = resnet ? mrw_fpn_forward_laterals(&d->fpn, st.stages, st.levels, rt, err)
               : mrw_fpn_forward_consuming(&d->fpn, st.stages, st.levels, rt, err);
  for (int i = 0; i < 4; i++) mrw_feature_free(&st.stages[i]);
  STAGE_DONE(MRW_STAGE_FPN);
  if (s == MRW_OK)
    s = mrw_rpn_run(&d->rpn, &d->config, st.levels, st.input.image.h, st.input.image.w,
                    st.input.resized_h, st.input.resized_w, &st.proposals, rt, err);
  STAGE_DONE(MRW_STAGE_RPN);
  if (s == MRW_OK)
    s = mrw_box_head_run(&d->box_head, &d->config, st.levels, st.input.resized_h,
                         st.input.resized_w, &st.proposals, &st.detections, rt, err);
  STAGE_DONE(MRW_STAGE_BOX_HEAD);
  int count = s == MRW_OK ? kept_count(&st.detections, score_threshold, max_instances) : 0;
  if (s == MRW_OK && count > 0) {
    st.mask_probs = malloc((size_t)count * MRW_MASK_SIZE * MRW_MASK_SIZE * sizeof(float));
    s = st.mask_probs ? mrw_mask_head_run(&d->mask_head, st.levels, st.input.resized_h,
                                          st.detections.boxes, st.detections.labels, count,
                                          st.mask_probs, rt, err)
                      : mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "out of memory for masks");
  }
  /* the levels and proposals are spent: the masks are pasted without them */
  for (int i = 0; i < MRW_FPN_LEVELS; i++) mrw_feature_free(&st.levels[i]);
  mrw_proposals_free(&st.proposals);
  STAGE_DONE(MRW_STAGE_MASK_HEAD);
  struct mrw_result *result = NULL;
  if (s == MRW_OK) s = mrw_instances_alloc(count, image->width, image->height, &result, err);
  if (s == MRW_OK) s = finish_instances(&st, image, result, err);
  STAGE_DONE(MRW_STAGE_PASTE);
#undef STAGE_DONE
  run_state_free(&st);
  if (s != MRW_OK) {
    mrw_instances_free(result);
    return s;
  }
  memcpy(result->stage_ms, stage_ms, sizeof stage_ms);
  *out = result;
  return MRW_OK;
}
