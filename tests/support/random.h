#ifndef MRW_TESTS_RANDOM_H
#define MRW_TESTS_RANDOM_H

#include <cstddef>
#include <cstdint>
#include <vector>

// Deterministic test data: a small xorshift generator, so runs are repeatable everywhere.
class TestRandom {
 public:
  explicit TestRandom(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  // Uniform in [lo, hi).
  float uniform(float lo, float hi) {
    return lo + (hi - lo) * static_cast<float>((next() >> 40) * (1.0 / 16777216.0));
  }
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
  std::vector<float> floats(size_t count, float lo = -1.0f, float hi = 1.0f) {
    std::vector<float> v(count);
    for (auto &x : v) x = uniform(lo, hi);
    return v;
  }

 private:
  uint64_t state_;
};

#endif
