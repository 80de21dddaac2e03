#include "model/config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"

int mrw_resnet_stage_blocks(int depth, int stage) {
  static const int blocks18[4] = {2, 2, 2, 2}, blocks34[4] = {3, 4, 6, 3},
                   blocks101[4] = {3, 4, 23, 3};
  if (stage < 0 || stage > 3) return 0;
  switch (depth) {
    case 18: return blocks18[stage];
    case 34:
    case 50: return blocks34[stage];
    case 101: return blocks101[stage];
    default: return 0;
  }
}

int mrw_resnet_is_bottleneck(int depth) { return depth >= 50; }

int mrw_config_level_map_pixels(const mrw_config *config, int level) {
  int stride = config->backbone == MRW_BACKBONE_RESNET ? 4 << level
                                                       : 2 << config->returned_stages[level];
  int side = config->min_size / (stride < 32 ? stride : 32);
  return side * side;
}

int mrw_anchors_per_position(const mrw_config *config) {
  return config->anchor_sizes_per_level * config->aspect_ratio_count;
}

/* Reading one section of the configuration; the first failure is kept in err. */
typedef struct config_reader {
  const mrw_json *section;
  const char *section_name;
  mrw_error *err;
  int failed;
} config_reader;

static const mrw_json *field(config_reader *r, const char *key, mrw_json_type type) {
  if (r->failed) return NULL;
  const mrw_json *v = mrw_json_get(r->section, key);
  if (!v || mrw_json_type_of(v) != type) {
    static const char *type_names[] = {"null", "boolean", "number", "string", "array", "object"};
    mrw_error_set(r->err, MRW_ERR_BAD_MODEL, "model config: %s.%s is %s (expected a %s)",
                  r->section_name, key, v ? "of the wrong type" : "missing", type_names[type]);
    r->failed = 1;
    return NULL;
  }
  return v;
}

static double number_in(config_reader *r, const char *key, double lo, double hi) {
  const mrw_json *v = field(r, key, MRW_JSON_NUMBER);
  if (!v) return lo;
  double x = mrw_json_number(v);
  if (!(x >= lo && x <= hi)) {
    mrw_error_set(r->err, MRW_ERR_BAD_MODEL, "model config: %s.%s = %g is outside [%g, %g]",
                  r->section_name, key, x, lo, hi);
    r->failed = 1;
    return lo;
  }
  return x;
}

static int int_in(config_reader *r, const char *key, int lo, int hi) {
  double x = number_in(r, key, lo, hi);
  if (!r->failed && x != floor(x)) {
    mrw_error_set(r->err, MRW_ERR_BAD_MODEL, "model config: %s.%s = %g is not an integer",
                  r->section_name, key, x);
    r->failed = 1;
  }
  return (int)x;
}

/* Reads a numeric array of exactly `count` entries (or, with count < 0, 1..capacity). */
static int numbers(config_reader *r, const char *key, float *out, int count, int capacity,
                   double lo, double hi) {
  const mrw_json *v = field(r, key, MRW_JSON_ARRAY);
  if (!v) return 0;
  size_t n = mrw_json_length(v);
  int ok = count >= 0 ? n == (size_t)count : (n >= 1 && n <= (size_t)capacity);
  for (size_t i = 0; ok && i < n; i++) {
    const mrw_json *e = mrw_json_at(v, i);
    double x = mrw_json_number(e);
    ok = mrw_json_type_of(e) == MRW_JSON_NUMBER && x >= lo && x <= hi;
    if (ok) out[i] = (float)x;
  }
  if (!ok) {
    char counted[32];
    if (count >= 0)
      snprintf(counted, sizeof counted, "%d", count);
    else
      snprintf(counted, sizeof counted, "1 to %d", capacity);
    mrw_error_set(r->err, MRW_ERR_BAD_MODEL, "model config: %s.%s must hold %s numbers in [%g, %g]",
                  r->section_name, key, counted, lo, hi);
    r->failed = 1;
    return 0;
  }
  return (int)n;
}

static config_reader section(const mrw_json *root, const char *name, mrw_error *err) {
  config_reader r = {mrw_json_get(root, name), name, err, 0};
  if (mrw_json_type_of(r.section) != MRW_JSON_OBJECT) {
    mrw_error_set(err, MRW_ERR_BAD_MODEL, "model config: section \"%s\" is missing", name);
    r.failed = 1;
  }
  return r;
}

/* MobileNetV3's "returned_stages" (the extractor's returned_layers: increasing stages of
 * 0..5), absent for its default, the last two; the FPN has one level per stage and the pool. */
static int read_returned_stages(config_reader *r, mrw_config *c) {
  float stages[MRW_FPN_LEVELS - 1] = {4, 5};
  int n = 2;
  if (mrw_json_get(r->section, "returned_stages"))
    n = numbers(r, "returned_stages", stages, -1, MRW_FPN_LEVELS - 1, 0, MRW_MOBILENET_STAGES - 1);
  for (int i = 0; i < n && !r->failed; i++) {
    if (stages[i] != floorf(stages[i]) || (i > 0 && stages[i] <= stages[i - 1])) {
      mrw_error_set(r->err, MRW_ERR_BAD_MODEL, "model config: architecture.returned_stages must "
                    "be increasing integers");
      r->failed = 1;
    }
    c->returned_stages[i] = (int)stages[i];
  }
  c->fpn_levels = n + 1;
  return !r->failed;
}

/* "backbone": "resnet" (also when absent, as in files written before MobileNetV3) with its
 * "depth", or "mobilenet_v3_large". */
static int read_backbone(config_reader *r, mrw_config *c) {
  const mrw_json *backbone = mrw_json_get(r->section, "backbone");
  const char *name = backbone ? mrw_json_string(backbone) : "resnet";
  if (!name) {
    mrw_error_set(r->err, MRW_ERR_BAD_MODEL, "model config: architecture.backbone is not a string");
    return 0;
  }
  if (strcmp(name, "mobilenet_v3_large") == 0) {
    c->backbone = MRW_BACKBONE_MOBILENET_V3_LARGE;
    return read_returned_stages(r, c);
  }
  if (strcmp(name, "resnet") != 0) {
    mrw_error_set(r->err, MRW_ERR_UNSUPPORTED, "model config: architecture.backbone \"%s\" is "
                  "not supported (\"resnet\" or \"mobilenet_v3_large\")", name);
    return 0;
  }
  c->backbone = MRW_BACKBONE_RESNET;
  c->fpn_levels = MRW_FPN_LEVELS;
  c->depth = int_in(r, "depth", 18, 101);
  if (!r->failed && mrw_resnet_stage_blocks(c->depth, 0) == 0) {
    mrw_error_set(r->err, MRW_ERR_UNSUPPORTED,
                  "model config: ResNet depth %d is not supported (18, 34, 50 or 101)", c->depth);
    return 0;
  }
  return !r->failed;
}

/* "anchor_sizes": ResNet, one size per level (5); MobileNetV3, the sizes of every level
 * (1 to 8). */
static void read_anchor_sizes(config_reader *r, mrw_config *c) {
  float sizes[MRW_MAX_ANCHOR_SIZES];
  if (c->backbone == MRW_BACKBONE_RESNET) {
    if (numbers(r, "anchor_sizes", sizes, MRW_FPN_LEVELS, MRW_FPN_LEVELS, 1, 4096))
      for (int i = 0; i < MRW_FPN_LEVELS; i++) c->anchor_sizes[i][0] = (int)sizes[i];
    c->anchor_sizes_per_level = 1;
    return;
  }
  int n = numbers(r, "anchor_sizes", sizes, -1, MRW_MAX_ANCHOR_SIZES, 1, 4096);
  for (int level = 0; level < c->fpn_levels; level++)
    for (int i = 0; i < n; i++) c->anchor_sizes[level][i] = (int)sizes[i];
  c->anchor_sizes_per_level = n;
}

/* An optional "none" / "batch_norm" field; absent is "none" (files written before v2). */
static mrw_conv_norm read_norm(config_reader *r, const char *key) {
  if (r->failed || !mrw_json_get(r->section, key)) return MRW_NORM_NONE;
  const mrw_json *v = field(r, key, MRW_JSON_STRING);
  if (!v) return MRW_NORM_NONE;
  const char *s = mrw_json_string(v);
  if (strcmp(s, "batch_norm") == 0) return MRW_NORM_BATCH;
  if (strcmp(s, "none") != 0) {
    mrw_error_set(r->err, MRW_ERR_BAD_MODEL, "model config: %s.%s \"%s\" is neither \"none\" "
                  "nor \"batch_norm\"", r->section_name, key, s);
    r->failed = 1;
  }
  return MRW_NORM_NONE;
}

/* The parts maskrcnn_resnet50_fpn_v2 changes; each absent field keeps v1's part. */
static void read_v2_parts(config_reader *r, mrw_config *c) {
  c->fpn_norm = read_norm(r, "fpn_norm");
  c->rpn_conv_depth = mrw_json_get(r->section, "rpn_conv_depth")
                          ? int_in(r, "rpn_conv_depth", 1, MRW_MAX_RPN_CONV_DEPTH)
                          : 1;
  if (mrw_json_get(r->section, "box_head_conv_layers")) {
    c->box_head_conv_layers = int_in(r, "box_head_conv_layers", 0, 16);
    if (c->box_head_conv_layers > 0)
      c->box_head_conv_channels = int_in(r, "box_head_conv_channels", 1, 4096);
    c->box_head_norm = read_norm(r, "box_head_norm");
  }
  c->mask_head_norm = read_norm(r, "mask_head_norm");
  int v2 = c->fpn_norm != MRW_NORM_NONE || c->rpn_conv_depth != 1 || c->box_head_conv_layers ||
           c->mask_head_norm != MRW_NORM_NONE;
  if (!r->failed && v2 && c->legacy_names) {
    mrw_error_set(r->err, MRW_ERR_BAD_MODEL, "model config: the v2 parts (fpn_norm, "
                  "rpn_conv_depth, box_head_conv_layers, mask_head_norm) need weight_names "
                  "\"torchvision\"");
    r->failed = 1;
  }
}

static int read_architecture(const mrw_json *root, mrw_config *c, mrw_error *err) {
  config_reader r = section(root, "architecture", err);
  if (r.failed || !read_backbone(&r, c)) return 0;
  c->bn_eps = (float)number_in(&r, "bn_eps", 0.0, 1.0);
  c->fpn_channels = int_in(&r, "fpn_channels", 1, 4096);
  read_anchor_sizes(&r, c);
  c->aspect_ratio_count = numbers(&r, "aspect_ratios", c->aspect_ratios, -1, MRW_MAX_RATIOS, 1e-3, 1e3);
  c->box_head = int_in(&r, "box_head", 1, 65536);
  c->mask_head_channels = int_in(&r, "mask_head_channels", 1, 4096);
  c->mask_head_layers = int_in(&r, "mask_head_layers", 1, 16);
  /* optional: files written before it was configurable have dim_reduced = the head width */
  c->mask_predictor_channels = mrw_json_get(r.section, "mask_predictor_channels")
                                   ? int_in(&r, "mask_predictor_channels", 1, 4096)
                                   : c->mask_head_channels;
  c->num_classes = int_in(&r, "num_classes", 2, 100000);
  const mrw_json *names = field(&r, "weight_names", MRW_JSON_STRING);
  if (names) {
    const char *s = mrw_json_string(names);
    if (strcmp(s, "legacy") != 0 && strcmp(s, "torchvision") != 0) {
      mrw_error_set(err, MRW_ERR_BAD_MODEL, "model config: architecture.weight_names \"%s\" "
                    "is neither \"torchvision\" nor \"legacy\"", s);
      return 0;
    }
    c->legacy_names = strcmp(s, "legacy") == 0;
  }
  read_v2_parts(&r, c);
  return !r.failed;
}

static int read_preprocess(const mrw_json *root, mrw_config *c, mrw_error *err) {
  config_reader r = section(root, "preprocess", err);
  c->min_size = int_in(&r, "min_size", 1, 16384);
  c->max_size = int_in(&r, "max_size", 1, 16384);
  numbers(&r, "mean", c->mean, 3, 3, -1e3, 1e3);
  numbers(&r, "std", c->std, 3, 3, 1e-6, 1e3);
  c->size_divisible = int_in(&r, "size_divisible", 1, 1024);
  return !r.failed;
}

static int read_postprocess(const mrw_json *root, mrw_config *c, mrw_error *err) {
  config_reader r = section(root, "postprocess", err);
  c->rpn_pre_nms_top_n = int_in(&r, "rpn_pre_nms_top_n", 1, 1000000);
  c->rpn_post_nms_top_n = int_in(&r, "rpn_post_nms_top_n", 1, 1000000);
  c->rpn_nms_thresh = number_in(&r, "rpn_nms_thresh", 0.0, 1.0);
  c->rpn_score_thresh = number_in(&r, "rpn_score_thresh", 0.0, 1.0);
  c->rpn_min_size = number_in(&r, "rpn_min_size", 0.0, 1e6);
  c->box_score_thresh = number_in(&r, "box_score_thresh", 0.0, 1.0);
  c->box_nms_thresh = number_in(&r, "box_nms_thresh", 0.0, 1.0);
  c->box_min_size = number_in(&r, "box_min_size", 0.0, 1e6);
  c->box_detections_per_img = int_in(&r, "box_detections_per_img", 1, 100000);
  c->mask_threshold = number_in(&r, "mask_threshold", 0.0, 1.0);
  return !r.failed;
}

static int read_labels(const mrw_json *root, mrw_config *c, mrw_error *err) {
  const mrw_json *labels = mrw_json_get(root, "labels");
  if (mrw_json_type_of(labels) != MRW_JSON_ARRAY ||
      mrw_json_length(labels) != (size_t)c->num_classes) {
    mrw_error_set(err, MRW_ERR_BAD_MODEL,
                  "model config: labels must be an array of num_classes (%d) strings",
                  c->num_classes);
    return 0;
  }
  c->labels = calloc((size_t)c->num_classes, sizeof *c->labels);
  if (!c->labels) {
    mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "model config: out of memory for labels");
    return 0;
  }
  for (int i = 0; i < c->num_classes; i++) {
    const char *s = mrw_json_string(mrw_json_at(labels, (size_t)i));
    if (!s) {
      mrw_error_set(err, MRW_ERR_BAD_MODEL, "model config: labels[%d] is not a string", i);
      return 0;
    }
    size_t n = strlen(s) + 1;
    c->labels[i] = malloc(n);
    if (!c->labels[i]) {
      mrw_error_set(err, MRW_ERR_OUT_OF_MEMORY, "model config: out of memory for labels");
      return 0;
    }
    memcpy(c->labels[i], s, n);
  }
  return 1;
}

mrw_status mrw_config_parse(const char *json, size_t length, mrw_config *config,
                            mrw_error *err) {
  if (!json || !config)
    return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT, "model config: NULL argument");
  memset(config, 0, sizeof *config);
  mrw_json *root = NULL;
  mrw_error json_err = {0};
  if (mrw_json_parse(json, length, &root, &json_err) != MRW_OK)
    return mrw_error_set(err, MRW_ERR_BAD_MODEL, "model config: %s", json_err.message);
  int ok = mrw_json_type_of(root) == MRW_JSON_OBJECT;
  if (!ok) mrw_error_set(err, MRW_ERR_BAD_MODEL, "model config: not a JSON object");
  ok = ok && read_architecture(root, config, err) && read_preprocess(root, config, err) &&
       read_postprocess(root, config, err) && read_labels(root, config, err);
  mrw_json_free(root);
  if (!ok) {
    mrw_status status = err ? err->status : MRW_ERR_BAD_MODEL;
    mrw_config_free(config);
    return status == MRW_OK ? MRW_ERR_BAD_MODEL : status;
  }
  return MRW_OK;
}

void mrw_config_free(mrw_config *config) {
  if (!config) return;
  if (config->labels)
    for (int i = 0; i < config->num_classes; i++) free(config->labels[i]);
  free(config->labels);
  config->labels = NULL;
}
