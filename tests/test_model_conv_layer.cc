#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

extern "C" {
#include "kernels/winograd.h"
#include "kernels/winograd_i8.h"
#include "model/conv_layer.h"
#include "model/feature.h"
#include "model/runtime.h"
}
#include "support/fixtures.h"
#include "support/random.h"

namespace {

// The FPN's first output convolution of the ResNet-50 fixture: 3x3, 256 -> 256, with a bias.
const char *kWeight = "backbone.fpn.layer_blocks.0.0.weight";
const char *kBias = "backbone.fpn.layer_blocks.0.0.bias";

// A 3x3 stride-1 layer of c -> c channels with a bias (by default the ResNet-50's above).
struct Layer {
  mrw_conv_layer layer{};
  Layer(const mrw_safetensors *file, int map_pixels, const char *weight = kWeight,
        const char *bias = kBias, int c = 256) {
    mrw_conv_spec spec = {weight, bias, nullptr, 0.0f, c, c, 3, 1, 1, map_pixels};
    mrw_error err{};
    EXPECT_EQ(mrw_conv_layer_load(&layer, file, &spec, &err), MRW_OK) << err.message;
  }
  ~Layer() { mrw_conv_layer_free(&layer); }
};

// The layer's output on a random h x w map of c channels, with 2 threads.
std::vector<float> run(const mrw_conv_layer *layer, int h, int w, uint64_t seed, int c = 256) {
  mrw_runtime rt{};
  mrw_error err{};
  EXPECT_EQ(mrw_runtime_init(&rt, 2, &err), MRW_OK) << err.message;
  mrw_feature in{}, out{};
  EXPECT_EQ(mrw_feature_alloc(&in, h, w, c, &err), MRW_OK);
  std::vector<float> values = TestRandom(seed).floats(size_t(h) * w * c);
  std::memcpy(in.data, values.data(), values.size() * sizeof(float));
  EXPECT_EQ(mrw_conv_layer_run(layer, &in, nullptr, 1, &out, &rt, &err), MRW_OK) << err.message;
  std::vector<float> result(out.data, out.data + size_t(h) * w * c);
  mrw_feature_free(&in);
  mrw_feature_free(&out);
  mrw_runtime_free(&rt);
  return result;
}

// The Winograd reference with `tile` on the same map, from the file's weights and bias.
std::vector<float> reference(const mrw_safetensors *file, int tile, int h, int w, uint64_t seed) {
  FixtureTensor weight = read_fixture_tensor(file, kWeight), bias = read_fixture_tensor(file, kBias);
  mrw_conv_shape s{h, w, 256, 256, 3, 3, 1, 1, 1};
  std::vector<float> u(size_t(mrw_winograd_points(tile)) * 256 * 256), out(size_t(h) * w * 256);
  mrw_winograd_transform_weights_ref(&s, tile, weight.values.data(), u.data());
  std::vector<float> in = TestRandom(seed).floats(size_t(h) * w * 256);
  mrw_epilogue e{bias.values.data(), nullptr, 0, 1, nullptr};
  mrw_winograd_conv2d_ref(&s, tile, in.data(), u.data(), &e, out.data());
  return out;
}

bool same_bits(const std::vector<float> &a, const std::vector<float> &b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(ConvLayer, WinogradTransformsPerCallOnlyWhereCallsAreLarge) {
  ModelFilePtr file = open_fixture("r50_det.safetensors");
  ASSERT_TRUE(file);
  Layer small(file.get(), 25 * 25), large(file.get(), 200 * 200);
  EXPECT_EQ(small.layer.winograd, MRW_WINOGRAD_PACKED);
  EXPECT_EQ(large.layer.winograd, MRW_WINOGRAD_AT_RUN);
  // Small maps run F(2x2, 3x3) either way: from weights transformed at load or per call, the
  // same bits, which are the reference's.
  std::vector<float> want = reference(file.get(), 2, 9, 13, 1);
  EXPECT_TRUE(same_bits(run(&small.layer, 9, 13, 1), want));
  EXPECT_TRUE(same_bits(run(&large.layer, 9, 13, 1), want));
  // From 2048 pixels the layer whose weights stay as loaded runs F(4x4, 3x3); the other stays
  // on F(2x2, 3x3). Each equals its reference bit for bit.
  EXPECT_TRUE(same_bits(run(&large.layer, 47, 45, 2), reference(file.get(), 4, 47, 45, 2)));
  EXPECT_TRUE(same_bits(run(&small.layer, 47, 45, 2), reference(file.get(), 2, 47, 45, 2)));
}

// The shipped default model's int8 file (written with the fixtures): its first FPN output
// convolution, 3x3, 64 -> 64, int8 weights with a scale per output channel.
const char *kInt8Weight = "backbone.fpn.layer_blocks.0.0.weight";
const char *kInt8Bias = "backbone.fpn.layer_blocks.0.0.bias";

// int8 Winograd's reference with `tile` on the same map, from the file's int8 values, scales
// and bias.
std::vector<float> int8_reference(const mrw_safetensors *file, int tile, int h, int w,
                                  uint64_t seed) {
  const mrw_tensor_view *t = nullptr;
  const int64_t shape[4] = {64, 64, 3, 3};
  mrw_error err{};
  EXPECT_EQ(mrw_find_float_tensor(file, kInt8Weight, 4, shape, &t, &err), MRW_OK) << err.message;
  EXPECT_EQ(t->dtype, MRW_DTYPE_I8);
  std::vector<float> scales(64);
  std::memcpy(scales.data(), t->scales, scales.size() * sizeof(float));
  FixtureTensor bias = read_fixture_tensor(file, kInt8Bias);
  mrw_conv_shape s{h, w, 64, 64, 3, 3, 1, 1, 1};
  std::vector<float> in = TestRandom(seed).floats(size_t(h) * w * 64), out(size_t(h) * w * 64);
  mrw_epilogue e{bias.values.data(), nullptr, 0, 1, nullptr};
  mrw_winograd_i8_conv2d_ref(&s, tile, in.data(), static_cast<const int8_t *>(t->data),
                             scales.data(), &e, out.data());
  return out;
}

TEST(ConvLayer, Int8WinogradTakesWideTilesWhereCallsAreLarge) {
  ModelFilePtr file = open_fixture("default_int8.safetensors");
  ASSERT_TRUE(file);
  Layer small(file.get(), 25 * 25, kInt8Weight, kInt8Bias, 64);
  Layer large(file.get(), 104 * 104, kInt8Weight, kInt8Bias, 64);
  ASSERT_EQ(small.layer.int8_conv, MRW_INT8_WINOGRAD);
  ASSERT_EQ(large.layer.int8_conv, MRW_INT8_WINOGRAD);
  EXPECT_EQ(small.layer.int8.winograd_tile, 2);
  EXPECT_EQ(large.layer.int8.winograd_tile, 4);
  // Each runs its tile, which quantizes the map in patches of its own: bit for bit its
  // reference, and the two differ.
  std::vector<float> wide = run(&large.layer, 23, 17, 3, 64);
  std::vector<float> narrow = run(&small.layer, 23, 17, 3, 64);
  EXPECT_TRUE(same_bits(wide, int8_reference(file.get(), 4, 23, 17, 3)));
  EXPECT_TRUE(same_bits(narrow, int8_reference(file.get(), 2, 23, 17, 3)));
  EXPECT_FALSE(same_bits(wide, narrow));
}

}  // namespace
