#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

extern "C" {
#include "kernels/resize.h"
}
#include "support/compare.h"
#include "support/fixtures.h"

namespace {

// Bilinear resize against torch.nn.functional.interpolate(scale_factor=s, bilinear,
// align_corners=False, recompute_scale_factor=True), the call torchvision preprocesses with.
TEST(ResizeBilinearTorch, MatchesInterpolate) {
  ModelFilePtr file = open_fixture("resize.safetensors");
  ASSERT_TRUE(file);
  const char *count_text = mrw_safetensors_metadata(file.get(), "count");
  ASSERT_NE(count_text, nullptr);
  int count = std::atoi(count_text);
  ASSERT_GE(count, 5);
  for (int k = 0; k < count; k++) {
    std::string key = std::to_string(k);
    const char *scale_text = mrw_safetensors_metadata(file.get(), ("scale." + key).c_str());
    ASSERT_NE(scale_text, nullptr);
    double scale = std::strtod(scale_text, nullptr);
    FixtureTensor in = read_fixture_tensor(file.get(), "in." + key);
    FixtureTensor expected = read_fixture_tensor(file.get(), "out." + key);
    ASSERT_EQ(in.shape.size(), 3u);
    ASSERT_EQ(expected.shape.size(), 3u);
    int in_h = int(in.shape[0]), in_w = int(in.shape[1]), c = int(in.shape[2]);
    int out_h = mrw_scaled_size(in_h, scale), out_w = mrw_scaled_size(in_w, scale);
    ASSERT_EQ(out_h, expected.shape[0]) << "case " << k << " scale " << scale_text;
    ASSERT_EQ(out_w, expected.shape[1]) << "case " << k << " scale " << scale_text;
    std::vector<float> out(size_t(out_h) * out_w * c);
    mrw_resize_bilinear(in.values.data(), in_h, in_w, c, out.data(), out_h, out_w, nullptr);
    Difference d = compare_arrays(out.data(), expected.values.data(), out.size());
    EXPECT_LE(d.max_abs_diff, 1e-6 * d.max_abs_expected)
        << "case " << k << ": " << in_h << "x" << in_w << " -> " << out_h << "x" << out_w;
  }
}

}  // namespace
