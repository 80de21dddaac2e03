/* segment_json: runs a model on a raw RGBA image with the public C API and prints the result
 * as JSON, the shape the CLI writes (full-image masks as COCO compressed RLE), with floats
 * printed exactly (%.9g). The WebAssembly tests compare the JS API's output with it.
 *
 *   segment_json MODEL IMAGE.rgba WIDTH HEIGHT [THREADS [MAX_INSTANCES]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskrcnn_wasm.h"

static int fail(const char *what, const char *detail) {
  fprintf(stderr, "segment_json: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  return 1;
}

/* A JSON string literal: quotes, backslashes and control characters escaped. */
static void print_json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

static unsigned char *read_file(const char *path, size_t expected) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  unsigned char *bytes = malloc(expected ? expected : 1);
  size_t got = bytes ? fread(bytes, 1, expected, f) : 0;
  int extra = fgetc(f) != EOF;
  fclose(f);
  if (got != expected || extra) {
    free(bytes);
    return NULL;
  }
  return bytes;
}

static int print_result(const mrw_result *result) {
  int width = mrw_result_image_width(result), height = mrw_result_image_height(result);
  printf("{\"width\":%d,\"height\":%d,\"instances\":[", width, height);
  for (int i = 0; i < mrw_result_count(result); i++) {
    const float *box = mrw_result_box(result, i);
    size_t length = mrw_result_mask_rle(result, i, NULL, 0);
    char *rle = malloc(length + 1);
    if (!rle) return fail("out of memory", NULL);
    mrw_result_mask_rle(result, i, rle, length + 1);
    printf("%s{\"box\":[%.9g,%.9g,%.9g,%.9g],\"label\":%d,\"className\":", i ? "," : "",
           (double)box[0], (double)box[1], (double)box[2], (double)box[3], mrw_result_label(result, i));
    print_json_string(mrw_result_class_name(result, i));
    printf(",\"score\":%.9g,\"mask\":{\"size\":[%d,%d],\"counts\":", (double)mrw_result_score(result, i),
           height, width);
    print_json_string(rle);
    printf("}}");
    free(rle);
  }
  printf("]}\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 5 || argc > 7) {
    fprintf(stderr, "usage: segment_json MODEL IMAGE.rgba WIDTH HEIGHT [THREADS [MAX_INSTANCES]]\n");
    return 2;
  }
  int width = atoi(argv[3]), height = atoi(argv[4]);
  int threads = argc > 5 ? atoi(argv[5]) : 1;
  if (width < 1 || height < 1) return fail("bad image size", NULL);
  unsigned char *pixels = read_file(argv[2], (size_t)width * height * 4);
  if (!pixels) return fail("cannot read WIDTH * HEIGHT * 4 bytes from", argv[2]);
  mrw_model *model = mrw_model_create(threads);
  if (!model) return fail("out of memory", NULL);
  int status = 1;
  mrw_result *result = NULL;
  mrw_segment_options options = mrw_default_options();
  if (argc > 6) options.max_instances = atoi(argv[6]);
  if (mrw_model_load_file(model, argv[1]) != MRW_OK) {
    fail("cannot load the model", mrw_model_error(model));
  } else if (mrw_model_segment(model, pixels, width, height, width * 4, MRW_PIXELS_RGBA, &options,
                               &result) != MRW_OK) {
    fail("segment failed", mrw_model_error(model));
  } else {
    status = print_result(result);
  }
  mrw_result_free(result);
  mrw_model_free(model);
  free(pixels);
  return status;
}
