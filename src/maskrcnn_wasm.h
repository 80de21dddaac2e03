#ifndef MASKRCNN_WASM_H
#define MASKRCNN_WASM_H

/* maskrcnn-wasm: Mask R-CNN instance segmentation, torchvision-exact, in C11.
 *
 * Usage:
 *   mrw_model *model = mrw_model_create(2);
 *   if (mrw_model_load_file(model, "model.safetensors") != MRW_OK)
 *     fprintf(stderr, "%s\n", mrw_model_error(model));
 *   mrw_segment_options options = mrw_default_options();
 *   mrw_result *result = NULL;
 *   if (mrw_model_segment(model, rgba, width, height, width * 4, MRW_PIXELS_RGBA, &options,
 *                         &result) == MRW_OK) {
 *     for (int i = 0; i < mrw_result_count(result); i++) ... mrw_result_box(result, i) ...
 *   }
 *   mrw_result_free(result);
 *   mrw_model_free(model);
 *
 * Every function is safe on bad arguments: it returns a status (and keeps a message on the
 * model) or a neutral value (NULL, 0), never crashes. Free functions accept NULL. Results
 * are independent of the model: they stay valid after it is freed. A model is used by one
 * thread at a time; it runs its own thread pool inside.
 *
 * Names: the public functions are those below, all mrw_model_*, mrw_result_*, mrw_stage_* or
 * mrw_default_*; the library's internal functions never take those prefixes
 * (scripts/check_public_names.sh holds the two apart in the test suite). */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What every function that can fail returns; the message is kept on the model handle. */
typedef enum mrw_status {
  MRW_OK = 0,
  MRW_ERR_INVALID_ARGUMENT = 1,
  MRW_ERR_OUT_OF_MEMORY = 2,
  MRW_ERR_BAD_MODEL = 3,
  MRW_ERR_UNSUPPORTED = 4,
  MRW_ERR_IO = 5,
  MRW_ERR_INTERNAL = 6
} mrw_status;

/* Limits of the API: the largest image side mrw_model_segment takes, and the most threads a
 * model handle runs (more are clamped). */
#define MRW_MAX_IMAGE_SIDE 16384
#define MRW_MAX_THREADS 64

typedef struct mrw_model mrw_model;
typedef struct mrw_result mrw_result;

typedef enum mrw_pixel_format { MRW_PIXELS_RGB = 3, MRW_PIXELS_RGBA = 4 } mrw_pixel_format;

/* Negative fields mean "the model's own default" (from its configuration). */
typedef struct mrw_segment_options {
  float score_threshold; /* keep instances with score >= this, in [0, 1] */
  int max_instances;     /* at most this many (the best), >= 0 */
  float mask_threshold;  /* binary mask: probability > this, in [0, 1) */
} mrw_segment_options;

mrw_segment_options mrw_default_options(void);

/* A model handle with `threads` worker threads (1..MRW_MAX_THREADS; threads that cannot start, as in a
 * single-threaded WebAssembly build, are left out). NULL only when out of memory. */
mrw_model *mrw_model_create(int threads);
void mrw_model_free(mrw_model *model);

/* Loads a model file (safetensors, optionally gzip-compressed where zlib is built in),
 * replacing any model loaded before. The bytes are copied. */
mrw_status mrw_model_load_memory(mrw_model *model, const void *bytes, size_t length);
/* The same from a path, read a part at a time as a stream (below). */
mrw_status mrw_model_load_file(mrw_model *model, const char *path);

/* A model file that arrives in parts, in order (a download, a file read a piece at a time).
 * Once its header is in, each tensor's bytes go into a block of their own, and the network is
 * built from them a part at a time, each part's tensors freed once it is built: the whole
 * file is never in memory beside the built weights. (A gzip file, or one whose header does
 * not tell its length, is gathered whole and read as mrw_model_load_memory reads it.)
 * begin returns NULL only when out of memory or model is NULL. write copies the bytes; a
 * problem (out of memory) is returned and kept, later writes do nothing. finish loads the
 * file written, replacing the model only when it loads, and frees the stream; its errors
 * are mrw_model_load_memory's (a file cut short or longer than its header says is refused).
 * cancel frees a stream without loading. Messages go to mrw_model_error. */
typedef struct mrw_model_stream mrw_model_stream;
mrw_model_stream *mrw_model_stream_begin(mrw_model *model);
mrw_status mrw_model_stream_write(mrw_model_stream *stream, const void *bytes, size_t length);
mrw_status mrw_model_stream_finish(mrw_model_stream *stream);
void mrw_model_stream_cancel(mrw_model_stream *stream); /* NULL is a no-op */

/* As mrw_model_load_memory, without the copy: the model takes over buffer, which must come
 * from malloc() with at least length + MRW_MODEL_BUFFER_PADDING bytes, and frees it before
 * returning, whatever the outcome. (For a caller that holds the file in one buffer already;
 * the JavaScript package streams it instead, mrw_model_stream_*, so that it is never whole
 * beside the built weights.) */
#define MRW_MODEL_BUFFER_PADDING 16
mrw_status mrw_model_load_buffer(mrw_model *model, void *buffer, size_t length);

/* The message of the last failure on this model ("" if none). */
const char *mrw_model_error(const mrw_model *model);

int mrw_model_threads(const mrw_model *model);
int mrw_model_class_count(const mrw_model *model); /* including background (label 0) */
const char *mrw_model_class_name(const mrw_model *model, int label); /* NULL if out of range */

/* Runs the model on 8-bit pixels: height rows of stride bytes, RGB or RGBA (alpha
 * ignored); options may be NULL for the defaults. */
mrw_status mrw_model_segment(mrw_model *model, const uint8_t *pixels, int width, int height,
                             int stride, mrw_pixel_format format,
                             const mrw_segment_options *options, mrw_result **result);

/* mrw_model_segment on pixels allocated with malloc() that the call takes over: it frees them
 * as soon as preprocessing has read them (or on an earlier failure), so that they are not
 * held through the run. The JavaScript package copies a caller's pixels into the module's
 * memory and hands the copy over this way (3.8 MB at 800x1199). */
mrw_status mrw_model_segment_consuming(mrw_model *model, uint8_t *pixels, int width, int height,
                                       int stride, mrw_pixel_format format,
                                       const mrw_segment_options *options, mrw_result **result);

void mrw_result_free(mrw_result *result);
int mrw_result_count(const mrw_result *result);
int mrw_result_image_width(const mrw_result *result);
int mrw_result_image_height(const mrw_result *result);

/* Instance i (0 = best): box x1, y1, x2, y2 in image pixels; label; class name; score. */
const float *mrw_result_box(const mrw_result *result, int i);
int mrw_result_label(const mrw_result *result, int i);
const char *mrw_result_class_name(const mrw_result *result, int i);
float mrw_result_score(const mrw_result *result, int i);

/* The box-local mask: the rectangle (x, y, width, height) of the image that holds the
 * instance's mask, and its binary values (1 inside) or probabilities, row by row. */
void mrw_result_mask_rect(const mrw_result *result, int i, int *x, int *y, int *width, int *height);
const uint8_t *mrw_result_mask(const mrw_result *result, int i);
const float *mrw_result_mask_probabilities(const mrw_result *result, int i);

/* The binary mask over the whole image into dst (image_width * image_height bytes). */
mrw_status mrw_result_full_mask(const mrw_result *result, int i, uint8_t *dst, size_t dst_size);

/* The binary mask as COCO run-length encoding, the compressed string pycocotools writes
 * (column-major). Writes at most capacity bytes including the NUL; returns the length
 * without the NUL (like snprintf), or 0 for a bad index. */
size_t mrw_result_mask_rle(const mrw_result *result, int i, char *dst, size_t capacity);

/* Milliseconds spent in each stage of the run that made this result. */
#define MRW_STAGES 7
const char *mrw_stage_name(int stage); /* "preprocess", "backbone", "fpn", "rpn", "box_head",
                                          "mask_head", "paste"; NULL if out of range */
double mrw_result_stage_ms(const mrw_result *result, int stage);

#ifdef __cplusplus
}
#endif

#endif
