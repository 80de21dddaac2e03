/* Whole-model timing: runs a model file on a synthetic width x height RGB image and prints
 * the median per-stage milliseconds and the peak memory (WebAssembly: the linear memory,
 * which never shrinks; natively: the process's peak resident set).
 *   model_bench MODEL WIDTH HEIGHT THREADS RUNS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskrcnn_wasm.h"

#if defined(__EMSCRIPTEN__)
static double peak_memory_mb(void) { return (double)__builtin_wasm_memory_size(0) * 65536.0 / 1048576.0; }
static const char *memory_kind = "wasm memory";
#else
#include <sys/resource.h>
static double peak_memory_mb(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return (double)usage.ru_maxrss / 1024.0;
}
static const char *memory_kind = "peak RSS";
#endif

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* A smooth colour field with a few bright rectangles: image-like, deterministic. */
static void fill_image(uint8_t *rgb, int width, int height) {
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++) {
      uint8_t *p = rgb + ((size_t)y * width + x) * 3;
      p[0] = (uint8_t)(128 + 100 * ((x * 7 + y * 3) % 255) / 255 - 50);
      p[1] = (uint8_t)((x * y / 64) % 200 + 20);
      p[2] = (uint8_t)(255 - (x + 2 * y) % 256);
      if ((x / 150 + y / 110) % 3 == 0) p[0] = p[1] = 230;
    }
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: model_bench MODEL WIDTH HEIGHT THREADS RUNS\n");
    return 2;
  }
  int width = atoi(argv[2]), height = atoi(argv[3]), threads = atoi(argv[4]), runs = atoi(argv[5]);
  if (width < 1 || height < 1 || runs < 1) {
    fprintf(stderr, "model_bench: bad size or run count\n");
    return 2;
  }
  mrw_model *model = mrw_model_create(threads);
  if (!model || mrw_model_load_file(model, argv[1]) != MRW_OK) {
    fprintf(stderr, "model_bench: %s\n", model ? mrw_model_error(model) : "out of memory");
    return 1;
  }
  uint8_t *rgb = malloc((size_t)width * height * 3);
  double *ms = calloc((size_t)runs * (MRW_STAGES + 1), sizeof *ms);
  if (!rgb || !ms) return 1;
  fill_image(rgb, width, height);
  int instances = 0;
  for (int r = 0; r < runs; r++) {
    mrw_result *result = NULL;
    if (mrw_model_segment(model, rgb, width, height, width * 3, MRW_PIXELS_RGB, NULL, &result) != MRW_OK) {
      fprintf(stderr, "model_bench: %s\n", mrw_model_error(model));
      return 1;
    }
    double total = 0;
    for (int s = 0; s < MRW_STAGES; s++) {
      ms[(size_t)s * runs + r] = mrw_result_stage_ms(result, s);
      total += mrw_result_stage_ms(result, s);
    }
    ms[(size_t)MRW_STAGES * runs + r] = total;
    instances = mrw_result_count(result);
    mrw_result_free(result);
  }
  printf("%dx%d, %d thread(s), %d run(s), %d instances; median ms per stage:\n", width, height,
         mrw_model_threads(model), runs, instances);
  for (int s = 0; s <= MRW_STAGES; s++) {
    qsort(ms + (size_t)s * runs, (size_t)runs, sizeof *ms, compare_doubles);
    printf("  %-11s %9.1f\n", s < MRW_STAGES ? mrw_stage_name(s) : "total", ms[(size_t)s * runs + runs / 2]);
  }
  printf("  %s: %.0f MB\n", memory_kind, peak_memory_mb());
  free(rgb);
  free(ms);
  mrw_model_free(model);
  return 0;
}
