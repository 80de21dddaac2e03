#include <stdlib.h>
#include <string.h>

#include "api/result.h"
#include "io/safetensors.h"
#include "maskrcnn_wasm.h"
#include "model/detector.h"

struct mrw_model {
  mrw_error error;
  mrw_runtime runtime;
  mrw_detector detector;
  int loaded;
};

mrw_segment_options mrw_default_options(void) {
  mrw_segment_options o = {-1.0f, -1, -1.0f};
  return o;
}

mrw_model *mrw_model_create(int threads) {
  mrw_model *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  if (threads < 1) threads = 1;
  if (threads > MRW_MAX_THREADS) threads = MRW_MAX_THREADS;
  if (mrw_runtime_init(&m->runtime, threads, &m->error) != MRW_OK) {
    free(m);
    return NULL;
  }
  return m;
}

void mrw_model_free(mrw_model *model) {
  if (!model) return;
  mrw_detector_free(&model->detector);
  mrw_runtime_free(&model->runtime);
  free(model);
}

const char *mrw_model_error(const mrw_model *model) {
  return model ? model->error.message : "model is NULL";
}

int mrw_model_threads(const mrw_model *model) {
  return model ? mrw_thread_pool_size(model->runtime.pool) : 0;
}

int mrw_model_class_count(const mrw_model *model) {
  return (model && model->loaded) ? model->detector.config.num_classes : 0;
}

const char *mrw_model_class_name(const mrw_model *model, int label) {
  if (!model || !model->loaded || label < 0 || label >= model->detector.config.num_classes) return NULL;
  return model->detector.config.labels[label];
}

/* Binds a parsed file, replacing the previous model only when the new one loads. */
static mrw_status load_from(mrw_model *model, mrw_safetensors *file, mrw_status opened) {
  if (opened != MRW_OK) return opened;
  mrw_detector next;
  mrw_status s = mrw_detector_load(&next, file, &model->error);
  mrw_safetensors_free(file);
  if (s != MRW_OK) return s;
  mrw_detector_free(&model->detector);
  model->detector = next;
  model->loaded = 1;
  mrw_error_clear(&model->error);
  return MRW_OK;
}

mrw_status mrw_model_load_memory(mrw_model *model, const void *bytes, size_t length) {
  if (!model) return MRW_ERR_INVALID_ARGUMENT;
  if (!bytes || length == 0)
    return mrw_error_set(&model->error, MRW_ERR_INVALID_ARGUMENT, "model bytes are empty");
  mrw_safetensors *file = NULL;
  mrw_status opened = mrw_safetensors_open_memory(bytes, length, &file, &model->error);
  return load_from(model, file, opened);
}

_Static_assert(MRW_MODEL_BUFFER_PADDING >= MRW_MODEL_FILE_ALIGNMENT,
               "the public padding must leave the file reader room to align the data");

mrw_status mrw_model_load_buffer(mrw_model *model, void *buffer, size_t length) {
  if (!model) {
    free(buffer);
    return MRW_ERR_INVALID_ARGUMENT;
  }
  if (!buffer || length == 0) {
    free(buffer);
    return mrw_error_set(&model->error, MRW_ERR_INVALID_ARGUMENT, "model bytes are empty");
  }
  mrw_safetensors *file = NULL;
  mrw_status opened = mrw_safetensors_open_owned(buffer, length, &file, &model->error);
  return load_from(model, file, opened);
}

struct mrw_model_stream {
  mrw_model *model;
  mrw_safetensors_stream *file;
};

mrw_model_stream *mrw_model_stream_begin(mrw_model *model) {
  if (!model) return NULL;
  mrw_model_stream *stream = malloc(sizeof *stream);
  if (stream) stream->file = mrw_safetensors_stream_begin();
  if (!stream || !stream->file) {
    free(stream);
    mrw_error_set(&model->error, MRW_ERR_OUT_OF_MEMORY, "out of memory for a model stream");
    return NULL;
  }
  stream->model = model;
  return stream;
}

mrw_status mrw_model_stream_write(mrw_model_stream *stream, const void *bytes, size_t length) {
  if (!stream) return MRW_ERR_INVALID_ARGUMENT;
  return mrw_safetensors_stream_write(stream->file, bytes, length, &stream->model->error);
}

mrw_status mrw_model_stream_finish(mrw_model_stream *stream) {
  if (!stream) return MRW_ERR_INVALID_ARGUMENT;
  mrw_model *model = stream->model;
  mrw_safetensors *file = NULL;
  mrw_status opened = mrw_safetensors_stream_finish(stream->file, &file, &model->error);
  free(stream);
  return load_from(model, file, opened);
}

void mrw_model_stream_cancel(mrw_model_stream *stream) {
  if (!stream) return;
  mrw_safetensors_stream_free(stream->file);
  free(stream);
}

mrw_status mrw_model_load_file(mrw_model *model, const char *path) {
  if (!model) return MRW_ERR_INVALID_ARGUMENT;
  if (!path) return mrw_error_set(&model->error, MRW_ERR_INVALID_ARGUMENT, "model path is NULL");
  mrw_safetensors *file = NULL;
  mrw_status opened = mrw_safetensors_open_path(path, &file, &model->error);
  return load_from(model, file, opened);
}

static mrw_status check_segment_arguments(mrw_model *model, const uint8_t *pixels, int width,
                                          int height, int stride, mrw_pixel_format format,
                                          mrw_result **result) {
  mrw_error *err = &model->error;
  if (!result) return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT, "result pointer is NULL");
  if (!model->loaded) return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT, "no model is loaded");
  if (!pixels) return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT, "pixels are NULL");
  if (format != MRW_PIXELS_RGB && format != MRW_PIXELS_RGBA)
    return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT,
                         "pixel format %d is neither RGB (3) nor RGBA (4)", (int)format);
  if (width < 1 || height < 1 || width > MRW_MAX_IMAGE_SIDE || height > MRW_MAX_IMAGE_SIDE)
    return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT,
                         "image size %dx%d is outside 1x1 .. %dx%d", width, height,
                         MRW_MAX_IMAGE_SIDE, MRW_MAX_IMAGE_SIDE);
  if (stride < width * (int)format)
    return mrw_error_set(err, MRW_ERR_INVALID_ARGUMENT,
                         "row stride %d is smaller than width %d x %d bytes", stride, width,
                         (int)format);
  return MRW_OK;
}

/* The options with the model's defaults in place of negative thresholds, checked. */
static mrw_status resolve_options(mrw_model *model, const mrw_segment_options *options,
                                  mrw_segment_options *out) {
  const mrw_config *c = &model->detector.config;
  mrw_segment_options o = options ? *options : mrw_default_options();
  if (o.score_threshold < 0.0f) o.score_threshold = 0.0f;
  if (o.max_instances < 0) o.max_instances = c->box_detections_per_img;
  if (o.mask_threshold < 0.0f) o.mask_threshold = (float)c->mask_threshold;
  if (!(o.score_threshold <= 1.0f) || !(o.mask_threshold < 1.0f))
    return mrw_error_set(&model->error, MRW_ERR_INVALID_ARGUMENT,
                         "score threshold %g must be in [0, 1] and mask threshold %g in [0, 1)",
                         o.score_threshold, o.mask_threshold);
  *out = o;
  return MRW_OK;
}

/* mrw_model_segment; release (may be NULL) is freed once preprocessing has read the pixels, or
 * before returning on any earlier failure. */
static mrw_status segment(mrw_model *model, const uint8_t *pixels, void *release, int width,
                          int height, int stride, mrw_pixel_format format,
                          const mrw_segment_options *options, mrw_result **result) {
  if (result) *result = NULL;
  mrw_segment_options o = mrw_default_options();
  mrw_status s = model ? check_segment_arguments(model, pixels, width, height, stride, format,
                                                 result)
                       : MRW_ERR_INVALID_ARGUMENT;
  if (s == MRW_OK) s = resolve_options(model, options, &o);
  if (s != MRW_OK) {
    free(release);
    return s;
  }
  mrw_image_view image = {pixels, width, height, stride, (int)format};
  mrw_result *r = NULL;
  s = mrw_detector_run(&model->detector, &image, release, o.score_threshold, o.max_instances, &r,
                       &model->runtime, &model->error);
  if (s == MRW_OK)
    s = mrw_instances_finish(r, model->detector.config.labels, o.mask_threshold, &model->error);
  if (s != MRW_OK) {
    mrw_result_free(r);
    return s;
  }
  *result = r;
  mrw_error_clear(&model->error);
  return MRW_OK;
}

mrw_status mrw_model_segment(mrw_model *model, const uint8_t *pixels, int width, int height,
                             int stride, mrw_pixel_format format,
                             const mrw_segment_options *options, mrw_result **result) {
  return segment(model, pixels, NULL, width, height, stride, format, options, result);
}

mrw_status mrw_model_segment_consuming(mrw_model *model, uint8_t *pixels, int width, int height,
                                       int stride, mrw_pixel_format format,
                                       const mrw_segment_options *options, mrw_result **result) {
  return segment(model, pixels, pixels, width, height, stride, format, options, result);
}
