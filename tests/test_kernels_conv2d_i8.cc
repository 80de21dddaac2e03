#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "kernels/conv2d_i8.h"
#include "kernels/gemm_i8.h"
}
#include "support/pool.h"
#include "support/random.h"
#include "support/thread_counts.h"

namespace {

struct Case {
  int h, w, in_c, out_c, kernel, stride, pad, batch;
};

std::string describe(const Case &c) {
  return std::to_string(c.batch) + "x" + std::to_string(c.h) + "x" + std::to_string(c.w) + "x" +
         std::to_string(c.in_c) + " -> " + std::to_string(c.out_c) + ", " +
         std::to_string(c.kernel) + "x" + std::to_string(c.kernel) + " stride " +
         std::to_string(c.stride) + " pad " + std::to_string(c.pad);
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// The chunked SIMD path at 1, 2 and 4 threads against the reference (whole im2col matrix,
// scalar quantizer and GEMM): bit for bit.
void check_case(const Case &c, bool bias, bool residual, bool relu, uint64_t seed) {
  mrw_conv_shape s{c.h, c.w, c.in_c, c.out_c, c.kernel, c.kernel, c.stride, c.pad, c.batch};
  TestRandom rng(seed);
  size_t out_count = size_t(c.batch) * mrw_conv_out_h(&s) * mrw_conv_out_w(&s) * c.out_c;
  std::vector<float> input = rng.floats(size_t(c.batch) * c.h * c.w * c.in_c, -3.0f, 3.0f);
  size_t depth = mrw_conv2d_i8_depth(&s), taps = size_t(c.kernel) * c.kernel;
  std::vector<int8_t> weights(size_t(c.out_c) * depth);
  for (auto &v : weights) v = static_cast<int8_t>(rng.below(255) - 127);
  std::vector<float> col_scales = rng.floats(c.out_c, 0.001f, 0.02f);
  std::vector<float> b = rng.floats(c.out_c), res = rng.floats(out_count);
  mrw_epilogue e{bias ? b.data() : nullptr, residual ? res.data() : nullptr, size_t(c.out_c),
                 relu ? 1 : 0, nullptr};
  std::vector<float> expected(out_count, NAN);
  mrw_conv2d_i8_ref(&s, input.data(), weights.data(), col_scales.data(), &e, expected.data());

  // the weights in the kernel's depth order, (ky, kx, channel)
  std::vector<int8_t> ordered(weights.size());
  for (size_t co = 0; co < size_t(c.out_c); co++)
    for (size_t t = 0; t < taps; t++)
      for (size_t ci = 0; ci < size_t(c.in_c); ci++)
        ordered[co * depth + t * c.in_c + ci] = weights[(co * c.in_c + ci) * taps + t];
  std::vector<int16_t> packed(mrw_gemm_i8_packed_b_count(depth, c.out_c));
  mrw_gemm_i8_pack_b(ordered.data(), depth, depth, c.out_c, packed.data());
  for (int threads : kThreadCounts) {
    ScopedPool pool(threads);
    std::vector<float> ws((mrw_conv2d_i8_workspace_bytes(&s, pool.size()) + 3) / 4, NAN);
    std::vector<float> out(out_count, NAN);
    mrw_conv2d_i8(&s, input.data(), packed.data(), col_scales.data(), &e, out.data(), ws.data(),
                  pool.get());
    for (size_t i = 0; i < out_count; i++)
      ASSERT_TRUE(same_bits(out[i], expected[i]))
          << describe(c) << " threads " << threads << " index " << i << ": " << out[i] << " vs "
          << expected[i];
  }
}

TEST(ConvI8, MatchesReferenceBitForBit) {
  uint64_t seed = 1;
  for (const Case &c : {Case{9, 11, 16, 24, 3, 2, 1, 1}, Case{8, 8, 32, 16, 1, 2, 0, 2},
                        Case{13, 17, 3, 8, 7, 2, 3, 1}, Case{5, 6, 5, 3, 3, 1, 1, 3},
                        Case{1, 1, 7, 5, 3, 2, 1, 1}, Case{40, 60, 8, 12, 3, 1, 1, 1},
                        Case{30, 31, 24, 40, 3, 2, 1, 2}}) {
    check_case(c, seed % 2 == 0, seed % 3 == 0, seed % 5 != 0, seed);
    seed++;
  }
}

// Rows whose quantized depth is large make chunks of few rows: many chunks, and the residual
// and output offsets of each.
TEST(ConvI8, ManyChunksOfDeepRows) {
  check_case(Case{20, 24, 512, 16, 3, 1, 1, 1}, true, true, true, 77);
}

}  // namespace
