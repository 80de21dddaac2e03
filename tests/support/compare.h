#ifndef MRW_TESTS_COMPARE_H
#define MRW_TESTS_COMPARE_H

#include <cmath>
#include <cstddef>
#include <vector>

// The largest absolute difference of two equally long arrays and the largest |expected|.
struct Difference {
  double max_abs_diff = 0.0;
  double max_abs_expected = 0.0;
  size_t worst_index = 0;
};

inline Difference compare_arrays(const float *actual, const float *expected, size_t count) {
  Difference d;
  for (size_t i = 0; i < count; i++) {
    double diff = std::fabs(static_cast<double>(actual[i]) - expected[i]);
    if (!(diff <= d.max_abs_diff)) {  // also catches NaN
      d.max_abs_diff = std::isnan(diff) ? INFINITY : diff;
      d.worst_index = i;
    }
    d.max_abs_expected = std::fmax(d.max_abs_expected, std::fabs(expected[i]));
  }
  return d;
}

#endif
