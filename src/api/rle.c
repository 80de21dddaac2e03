#include <stdlib.h>

#include "api/result.h"

/* Appends one count in COCO's compressed form: 5-bit groups, low first, each char 48 + bits
 * with 0x20 set while more groups follow; a group's 0x10 bit carries the sign. */
static size_t put_count(long x, char *dst, size_t used, size_t capacity) {
  int more = 1;
  while (more) {
    long c = x & 0x1f;
    x >>= 5; /* arithmetic shift keeps the sign */
    more = (c & 0x10) ? x != -1 : x != 0;
    if (more) c |= 0x20;
    if (used + 1 < capacity) dst[used] = (char)(c + 48);
    used++;
  }
  return used;
}

/* Emits counts in order, delta-coding the fourth on against the count two before. */
typedef struct rle_writer {
  char *dst;
  size_t capacity, used;
  long previous[2]; /* the counts two back and one back */
  size_t emitted;
} rle_writer;

static void emit(rle_writer *w, long count) {
  long coded = w->emitted > 2 ? count - w->previous[0] : count;
  w->used = put_count(coded, w->dst, w->used, w->capacity);
  w->previous[0] = w->previous[1];
  w->previous[1] = count;
  w->emitted++;
}

/* Column-major runs of the binary mask over the whole image, starting with a run of zeros. */
size_t mrw_result_mask_rle(const mrw_result *result, int i, char *dst, size_t capacity) {
  const mrw_instance *it = mrw_instance_at(result, i);
  if (!it) return 0;
  rle_writer w = {dst, capacity, 0, {0, 0}, 0};
  uint8_t current = 0;
  long run = 0;
  for (int x = 0; x < result->width; x++) {
    for (int y = 0; y < result->height; y++) {
      int inside = x >= it->mask.x && x < it->mask.x + it->mask.width && y >= it->mask.y &&
                   y < it->mask.y + it->mask.height;
      uint8_t v = inside ? it->binary[(size_t)(y - it->mask.y) * it->mask.width + (x - it->mask.x)] : 0;
      if (v != current) {
        emit(&w, run);
        current = v;
        run = 0;
      }
      run++;
    }
  }
  emit(&w, run);
  if (capacity > 0) dst[w.used < capacity ? w.used : capacity - 1] = '\0';
  return w.used;
}
