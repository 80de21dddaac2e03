#ifndef MRW_BASE_PASSES_H
#define MRW_BASE_PASSES_H

/* Items per pass when n items go in passes of at most `most` (at least 1) each: as few passes
 * as that allows, all of one size but the last. 100 boxes in passes of at most 64 go as
 * 50 + 50, not 64 + 36: the buffers a pass holds are sized for 50, and no pass is left
 * small. */
static inline int mrw_equal_pass_size(int n, int most) {
  if (most < 1) most = 1;
  int passes = (n + most - 1) / most;
  return passes > 0 ? (n + passes - 1) / passes : 0;
}

#endif
