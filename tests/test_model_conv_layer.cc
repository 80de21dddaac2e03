#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
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

// The weights' floats a loaded F32 layer holds, in its layout.
size_t packed_floats(const mrw_conv_layer *layer) {
  return layer->winograd == MRW_WINOGRAD_AT_RUN ? mrw_winograd_panel_floats(&layer->shape)
         : layer->winograd                      ? mrw_winograd_packed_floats(&layer->shape, 2)
                                                : mrw_conv_packed_floats(&layer->shape);
}

// A streamed file whose blocks are offered (as the detector loads) has its F32 weights folded
// and packed where their bytes were, panel by panel: the bits of packing from a copy, as from
// a file that keeps its blocks. ResNet-50's stem (7x7 stride 2) and a stride-2 3x3 (GEMM
// panels), a 1x1 and a 3x3 on Winograd panels (each with its BatchNorm); and a small-map 3x3,
// whose F(2x2, 3x3) weights (16 floats a pair) do not fit the block and take one of their own.
TEST(ConvLayer, WeightsPackedInTheirFileBlocksKeepTheirBits) {
  ModelFilePtr kept = open_fixture("r50_det.safetensors");
  ModelFilePtr offered = open_fixture("r50_det.safetensors");
  ASSERT_TRUE(kept && offered);
  mrw_safetensors_offer_blocks(offered.get());
  struct Case {
    mrw_conv_spec spec;
    bool in_place;
  };
  const Case cases[] = {
      {{"backbone.body.conv1.weight", nullptr, "backbone.body.bn1", 1e-5f, 3, 64, 7, 2, 3, 400 * 600}, true},
      {{"backbone.body.layer1.0.conv1.weight", nullptr, "backbone.body.layer1.0.bn1", 1e-5f, 64, 64, 1, 1, 0, 200 * 300}, true},
      {{"backbone.body.layer1.0.conv2.weight", nullptr, "backbone.body.layer1.0.bn2", 1e-5f, 64, 64, 3, 1, 1, 200 * 300}, true},
      {{"backbone.body.layer2.0.conv2.weight", nullptr, "backbone.body.layer2.0.bn2", 1e-5f, 128, 128, 3, 2, 1, 200 * 300}, true},
      {{kWeight, kBias, nullptr, 0.0f, 256, 256, 3, 1, 1, 25 * 25}, false},
  };
  const enum mrw_winograd_weights modes[] = {MRW_WINOGRAD_NONE, MRW_WINOGRAD_NONE,
                                             MRW_WINOGRAD_AT_RUN, MRW_WINOGRAD_NONE,
                                             MRW_WINOGRAD_PACKED};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const mrw_conv_spec *spec = &cases[i].spec;
    mrw_conv_layer copy{}, placed{};
    mrw_error err{};
    ASSERT_EQ(mrw_conv_layer_load(&copy, kept.get(), spec, &err), MRW_OK) << err.message;
    ASSERT_EQ(mrw_conv_layer_load(&placed, offered.get(), spec, &err), MRW_OK) << err.message;
    EXPECT_EQ(placed.winograd, modes[i]) << spec->weight;
    ASSERT_EQ(placed.winograd, copy.winograd) << spec->weight;
    // a taken block leaves the file
    EXPECT_EQ(mrw_safetensors_find(offered.get(), spec->weight) == nullptr, cases[i].in_place)
        << spec->weight;
    size_t n = packed_floats(&copy);
    EXPECT_EQ(0, std::memcmp(placed.packed, copy.packed, n * sizeof(float))) << spec->weight;
    EXPECT_EQ(0, std::memcmp(placed.bias, copy.bias, size_t(spec->out_c) * sizeof(float)))
        << spec->weight;
    mrw_conv_layer_free(&copy);
    mrw_conv_layer_free(&placed);
  }
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

// ResNet-50's last stage, 512 -> 512: its weights stay as loaded even for maps too small to
// pay for a per-call transform in time (the transformed F(2x2, 3x3) weights would take 16.8 MB
// beside them); a 256 -> 256 layer on those maps keeps weights transformed at load.
TEST(ConvLayer, WideLayersTransformPerCallOnAnyMap) {
  ModelFilePtr file = open_fixture("r50_det.safetensors");
  ASSERT_TRUE(file);
  mrw_conv_layer wide{};
  mrw_conv_spec spec = {"backbone.body.layer4.1.conv2.weight", nullptr, "backbone.body.layer4.1.bn2",
                        1e-5f, 512, 512, 3, 1, 1, 25 * 25};
  mrw_error err{};
  ASSERT_EQ(mrw_conv_layer_load(&wide, file.get(), &spec, &err), MRW_OK) << err.message;
  EXPECT_EQ(wide.winograd, MRW_WINOGRAD_AT_RUN);
  Layer narrow(file.get(), 25 * 25);
  EXPECT_EQ(narrow.layer.winograd, MRW_WINOGRAD_PACKED);
  mrw_conv_layer_free(&wide);
}

// A layer's output gathered from its bands, each copied to its rows as it comes.
struct Gathered {
  std::vector<float> values;
  int bands = 0, next_row = 0;
};

mrw_status gather_band(void *ctx, const mrw_feature *band, int row0, mrw_error *) {
  auto *g = static_cast<Gathered *>(ctx);
  EXPECT_EQ(row0, g->next_row) << "bands should come in order";
  size_t row = size_t(band->w) * band->c;
  std::memcpy(g->values.data() + size_t(row0) * row, band->data, band->h * row * sizeof(float));
  g->bands++;
  g->next_row = row0 + band->h;
  return MRW_OK;
}

// The layer's output on the random map of run(), in bands of band_rows rows.
Gathered run_in_bands(const mrw_conv_layer *layer, int h, int w, uint64_t seed, int band_rows,
                      int c = 256) {
  mrw_runtime rt{};
  mrw_error err{};
  EXPECT_EQ(mrw_runtime_init(&rt, 2, &err), MRW_OK) << err.message;
  mrw_feature in{};
  EXPECT_EQ(mrw_feature_alloc(&in, h, w, c, &err), MRW_OK);
  std::vector<float> values = TestRandom(seed).floats(size_t(h) * w * c);
  std::memcpy(in.data, values.data(), values.size() * sizeof(float));
  Gathered g;
  g.values.assign(size_t(h) * w * c, NAN);
  EXPECT_EQ(mrw_conv_layer_run_bands(layer, &in, 1, band_rows, gather_band, &g, &rt, &err), MRW_OK)
      << err.message;
  EXPECT_EQ(g.next_row, h);
  mrw_feature_free(&in);
  mrw_runtime_free(&rt);
  return g;
}

TEST(ConvLayer, BandsHoldTheWholeOutputsBits) {
  ModelFilePtr file = open_fixture("r50_det.safetensors");
  ASSERT_TRUE(file);
  Layer small(file.get(), 25 * 25), large(file.get(), 200 * 200);
  // F(4x4, 3x3) per call, F(2x2, 3x3) per call and at load; the last band cut short
  for (const mrw_conv_layer *layer : {&large.layer, &small.layer}) {
    for (auto [h, w] : {std::pair{47, 45}, std::pair{21, 9}}) {
      Gathered g = run_in_bands(layer, h, w, 3, 8);
      EXPECT_EQ(g.bands, (h + 7) / 8);
      EXPECT_TRUE(same_bits(g.values, run(layer, h, w, 3))) << h << "x" << w;
    }
  }
  Gathered one = run_in_bands(&large.layer, 6, 7, 4, 8);
  EXPECT_EQ(one.bands, 1);
  EXPECT_TRUE(same_bits(one.values, run(&large.layer, 6, 7, 4)));
  mrw_runtime rt{};
  mrw_error err{};
  ASSERT_EQ(mrw_runtime_init(&rt, 1, &err), MRW_OK);
  mrw_feature in{};
  ASSERT_EQ(mrw_feature_alloc(&in, 8, 8, 256, &err), MRW_OK);
  Gathered unused;
  EXPECT_EQ(mrw_conv_layer_run_bands(&large.layer, &in, 1, 6, gather_band, &unused, &rt, &err),
            MRW_ERR_INTERNAL);
  EXPECT_NE(std::strstr(err.message, "multiple of 4"), nullptr) << err.message;
  mrw_feature_free(&in);
  mrw_runtime_free(&rt);
}

// A 3x3 layer written over its own input, in bands of 8 rows, with ReLU: the bits of a run
// into a new buffer, in the input's buffer. ResNet-50's layer2 3x3 (128 -> 128, weights
// transformed per call for F(4x4, 3x3), 2.4 MB: in one group) and the FPN's output
// convolution with F(2x2, 3x3) weights transformed at load (small maps) run in bands with
// their weights transformed whole; the same FPN layer loaded for large maps transforms its
// F(4x4, 3x3) weights (9.4 MB) on large maps in groups, which bands would hold at once.
TEST(ConvLayer, OverItsInputKeepsTheBits) {
  ModelFilePtr file = open_fixture("r50_det.safetensors");
  ASSERT_TRUE(file);
  Layer stage2(file.get(), 100 * 152, "backbone.body.layer2.1.conv2.weight", nullptr, 128);
  Layer small(file.get(), 25 * 25), large(file.get(), 200 * 200);
  mrw_runtime rt{};
  mrw_error err{};
  ASSERT_EQ(mrw_runtime_init(&rt, 2, &err), MRW_OK);
  struct Case {
    const mrw_conv_layer *layer;
    int c;
    bool whole;
  } cases[] = {{&stage2.layer, 128, true}, {&small.layer, 256, true}, {&large.layer, 256, false}};
  for (const Case &k : cases) {
    for (auto [h, w] : {std::pair{47, 45}, std::pair{6, 7}}) {
      mrw_feature x{};
      ASSERT_EQ(mrw_feature_alloc(&x, h, w, k.c, &err), MRW_OK);
      std::vector<float> values = TestRandom(5).floats(size_t(h) * w * k.c);
      std::memcpy(x.data, values.data(), values.size() * sizeof(float));
      // (a 6x7 map runs F(2x2, 3x3), whose 256-channel weights take 4.2 MB: one group)
      EXPECT_EQ(mrw_conv_layer_transforms_whole(k.layer, &x), k.whole || h == 6) << k.c << " " << h;
      const float *buffer = x.data;
      ASSERT_EQ(mrw_conv_layer_run_over_input(k.layer, &x, 1, 8, &rt, &err), MRW_OK) << err.message;
      EXPECT_EQ(x.data, buffer);
      ASSERT_EQ(x.h * x.w * x.c, h * w * k.c);
      EXPECT_TRUE(same_bits(std::vector<float>(x.data, x.data + size_t(h) * w * k.c),
                            run(k.layer, h, w, 5, k.c)))
          << k.c << " channels, " << h << "x" << w;
      mrw_feature_free(&x);
    }
  }
  // a layer that would change the map's shape is refused, and the map freed
  mrw_feature narrow{};
  ASSERT_EQ(mrw_feature_alloc(&narrow, 9, 9, 64, &err), MRW_OK);
  EXPECT_EQ(mrw_conv_layer_run_over_input(&small.layer, &narrow, 1, 8, &rt, &err), MRW_ERR_INTERNAL);
  EXPECT_EQ(narrow.data, nullptr);
  mrw_runtime_free(&rt);
}

// FPN lateral `index` of a model file: 1x1, in_c -> out_c, with its bias.
mrw_status load_lateral(const mrw_safetensors *file, int index, int in_c, int out_c,
                        mrw_conv_layer *layer, mrw_error *err) {
  std::string weight = "backbone.fpn.inner_blocks." + std::to_string(index) + ".0.weight";
  std::string bias = "backbone.fpn.inner_blocks." + std::to_string(index) + ".0.bias";
  mrw_conv_spec spec = {weight.c_str(), bias.c_str(), nullptr, 0.0f, in_c, out_c, 1, 1, 0, 0};
  return mrw_conv_layer_load(layer, file, &spec, err);
}

// The ResNet-50 fixture's two finest FPN laterals, 1x1, 256 -> 256 and 512 -> 256, written
// over their inputs: in one call where every thread's task owns whole rows of C (50x76 of
// 256 channels), else in bands of rows (3x5; 120x76 in three bands). The bits are those of a
// run into a new buffer; a layer with as many channels out as in keeps its buffer.
TEST(ConvLayer, InPlaceLateralKeepsItsBufferAndBits) {
  ModelFilePtr file = open_fixture("r50_det.safetensors");
  ASSERT_TRUE(file);
  for (int index : {0, 1}) {
    int in_c = index == 0 ? 256 : 512;
    mrw_conv_layer lateral{};
    mrw_error err{};
    ASSERT_EQ(load_lateral(file.get(), index, in_c, 256, &lateral, &err), MRW_OK) << err.message;
    for (int threads : {1, 2}) {
      mrw_runtime rt{};
      ASSERT_EQ(mrw_runtime_init(&rt, threads, &err), MRW_OK);
      for (auto [h, w] : {std::pair{50, 76}, std::pair{3, 5}, std::pair{120, 76}}) {
        mrw_feature x{}, want{};
        ASSERT_EQ(mrw_feature_alloc(&x, h, w, in_c, &err), MRW_OK);
        std::vector<float> values = TestRandom(uint64_t(h)).floats(size_t(h) * w * in_c);
        std::memcpy(x.data, values.data(), values.size() * sizeof(float));
        ASSERT_EQ(mrw_conv_layer_run(&lateral, &x, nullptr, 0, &want, &rt, &err), MRW_OK);
        const float *buffer = x.data;
        ASSERT_EQ(mrw_conv_layer_run_in_place(&lateral, &x, &rt, &err), MRW_OK) << err.message;
        if (in_c == 256) {
          EXPECT_EQ(x.data, buffer) << h << "x" << w << ", " << threads << " threads";
        }
        ASSERT_EQ(x.h, h);
        ASSERT_EQ(x.w, w);
        ASSERT_EQ(x.c, 256);
        EXPECT_EQ(0, std::memcmp(x.data, want.data, mrw_feature_count(&want) * sizeof(float)))
            << in_c << " channels in, " << h << "x" << w << ", " << threads << " threads";
        mrw_feature_free(&x);
        mrw_feature_free(&want);
      }
      mrw_runtime_free(&rt);
    }
    mrw_conv_layer_free(&lateral);
  }
}

// The shipped default model (ResNet-34, FPN 128) in int8, written with the fixtures.
constexpr int kDefaultFpn = 128;

// The shipped default model's int8 file: its FPN laterals are int8 GEMMs over the pixels
// (64 -> 128 and 128 -> 128 channels). Written over their inputs in bands of rows (a 100x400
// map in three) they hold the bits of a run into a new buffer, since each row is quantized
// with its own scale and summed in integers; run onto a residual, they write over it with
// the bits of a run into a new buffer. On 200x200 pixels the layers quantize their rows in
// passes (of 31775 and 16131 rows): the bits of the map's two halves run one at a time,
// whose passes end elsewhere.
TEST(ConvLayer, Int8LayersOverTheirInputsAndInPassesKeepTheirBits) {
  ModelFilePtr file = open_fixture("default_int8.safetensors");
  ASSERT_TRUE(file);
  mrw_runtime rt{};
  mrw_error err{};
  ASSERT_EQ(mrw_runtime_init(&rt, 2, &err), MRW_OK);
  for (int index : {0, 1}) {
    int in_c = index == 0 ? 64 : 128;
    mrw_conv_layer lateral{};
    ASSERT_EQ(load_lateral(file.get(), index, in_c, kDefaultFpn, &lateral, &err), MRW_OK) << err.message;
    EXPECT_EQ(lateral.int8_conv, MRW_INT8_PIXELS);
    auto random_map = [&](int h, int w, uint64_t seed, mrw_feature *f) {
      ASSERT_EQ(mrw_feature_alloc(f, h, w, in_c, &err), MRW_OK);
      std::vector<float> values = TestRandom(seed).floats(mrw_feature_count(f));
      std::memcpy(f->data, values.data(), values.size() * sizeof(float));
    };
    mrw_feature x{}, want{};
    random_map(100, 400, 11, &x);
    ASSERT_EQ(mrw_conv_layer_run(&lateral, &x, nullptr, 0, &want, &rt, &err), MRW_OK);
    ASSERT_EQ(mrw_conv_layer_run_in_place(&lateral, &x, &rt, &err), MRW_OK) << err.message;
    ASSERT_EQ(x.c, kDefaultFpn);
    EXPECT_EQ(0, std::memcmp(x.data, want.data, mrw_feature_count(&want) * sizeof(float)))
        << in_c << " channels in";
    mrw_feature_free(&x);
    mrw_feature_free(&want);
    // onto a residual of the output's shape, with ReLU: over the residual's own buffer
    mrw_feature in{}, residual{};
    random_map(30, 50, 13, &in);
    ASSERT_EQ(mrw_feature_alloc(&residual, 30, 50, kDefaultFpn, &err), MRW_OK);
    std::vector<float> r = TestRandom(14).floats(mrw_feature_count(&residual));
    std::memcpy(residual.data, r.data(), r.size() * sizeof(float));
    ASSERT_EQ(mrw_conv_layer_run(&lateral, &in, &residual, 1, &want, &rt, &err), MRW_OK);
    const float *buffer = residual.data;
    ASSERT_EQ(mrw_conv_layer_run_onto(&lateral, &in, &residual, 1, &rt, &err), MRW_OK);
    EXPECT_EQ(residual.data, buffer) << "the result should be written over the residual";
    EXPECT_EQ(0, std::memcmp(residual.data, want.data, mrw_feature_count(&want) * sizeof(float)));
    for (mrw_feature *f : {&in, &residual, &want}) mrw_feature_free(f);
    mrw_feature whole{}, top{}, bottom{}, out{}, out_top{}, out_bottom{};
    random_map(200, 200, 12, &whole);
    ASSERT_EQ(mrw_feature_alloc(&top, 100, 200, in_c, &err), MRW_OK);
    ASSERT_EQ(mrw_feature_alloc(&bottom, 100, 200, in_c, &err), MRW_OK);
    size_t half = mrw_feature_count(&top);
    std::memcpy(top.data, whole.data, half * sizeof(float));
    std::memcpy(bottom.data, whole.data + half, half * sizeof(float));
    ASSERT_EQ(mrw_conv_layer_run(&lateral, &whole, nullptr, 0, &out, &rt, &err), MRW_OK);
    ASSERT_EQ(mrw_conv_layer_run(&lateral, &top, nullptr, 0, &out_top, &rt, &err), MRW_OK);
    ASSERT_EQ(mrw_conv_layer_run(&lateral, &bottom, nullptr, 0, &out_bottom, &rt, &err), MRW_OK);
    size_t out_half = mrw_feature_count(&out_top);
    EXPECT_EQ(0, std::memcmp(out.data, out_top.data, out_half * sizeof(float)));
    EXPECT_EQ(0, std::memcmp(out.data + out_half, out_bottom.data, out_half * sizeof(float)));
    for (mrw_feature *f : {&whole, &top, &bottom, &out, &out_top, &out_bottom}) mrw_feature_free(f);
    mrw_conv_layer_free(&lateral);
  }
  mrw_runtime_free(&rt);
}

// The shipped default model's int8 file: its first FPN output convolution, 3x3,
// 128 -> 128, int8 weights with a scale per output channel.
const char *kInt8Weight = "backbone.fpn.layer_blocks.0.0.weight";
const char *kInt8Bias = "backbone.fpn.layer_blocks.0.0.bias";

// int8 Winograd's reference with `tile` on the same map, from the file's int8 values, scales
// and bias.
std::vector<float> int8_reference(const mrw_safetensors *file, int tile, int h, int w,
                                  uint64_t seed) {
  const mrw_tensor_view *t = nullptr;
  const int64_t shape[4] = {kDefaultFpn, kDefaultFpn, 3, 3};
  mrw_error err{};
  EXPECT_EQ(mrw_find_float_tensor(file, kInt8Weight, 4, shape, &t, &err), MRW_OK) << err.message;
  EXPECT_EQ(t->dtype, MRW_DTYPE_I8);
  std::vector<float> scales(kDefaultFpn);
  std::memcpy(scales.data(), t->scales, scales.size() * sizeof(float));
  FixtureTensor bias = read_fixture_tensor(file, kInt8Bias);
  mrw_conv_shape s{h, w, kDefaultFpn, kDefaultFpn, 3, 3, 1, 1, 1};
  const size_t count = size_t(h) * w * kDefaultFpn;
  std::vector<float> in = TestRandom(seed).floats(count), out(count);
  mrw_epilogue e{bias.values.data(), nullptr, 0, 1, nullptr};
  mrw_winograd_i8_conv2d_ref(&s, tile, in.data(), static_cast<const int8_t *>(t->data),
                             scales.data(), &e, out.data());
  return out;
}

TEST(ConvLayer, Int8WinogradTakesWideTilesWhereCallsAreLarge) {
  ModelFilePtr file = open_fixture("default_int8.safetensors");
  ASSERT_TRUE(file);
  Layer small(file.get(), 25 * 25, kInt8Weight, kInt8Bias, kDefaultFpn);
  Layer large(file.get(), 104 * 104, kInt8Weight, kInt8Bias, kDefaultFpn);
  ASSERT_EQ(small.layer.int8_conv, MRW_INT8_WINOGRAD);
  ASSERT_EQ(large.layer.int8_conv, MRW_INT8_WINOGRAD);
  EXPECT_EQ(small.layer.int8.winograd_tile, 2);
  EXPECT_EQ(large.layer.int8.winograd_tile, 4);
  // Each runs its tile, which quantizes the map in patches of its own: bit for bit its
  // reference, and the two differ.
  std::vector<float> wide = run(&large.layer, 23, 17, 3, kDefaultFpn);
  std::vector<float> narrow = run(&small.layer, 23, 17, 3, kDefaultFpn);
  EXPECT_TRUE(same_bits(wide, int8_reference(file.get(), 4, 23, 17, 3)));
  EXPECT_TRUE(same_bits(narrow, int8_reference(file.get(), 2, 23, 17, 3)));
  EXPECT_FALSE(same_bits(wide, narrow));
}

// int8 Winograd layers run in bands too, as each tile's patch is quantized on its own: with
// either tile, gathered from bands of 8 rows (the last cut short) and written over their own
// input, the bits of one call into a new buffer.
TEST(ConvLayer, Int8WinogradBandsHoldTheWholeOutputsBits) {
  ModelFilePtr file = open_fixture("default_int8.safetensors");
  ASSERT_TRUE(file);
  Layer small(file.get(), 25 * 25, kInt8Weight, kInt8Bias, kDefaultFpn);
  Layer large(file.get(), 104 * 104, kInt8Weight, kInt8Bias, kDefaultFpn);
  mrw_runtime rt{};
  mrw_error err{};
  ASSERT_EQ(mrw_runtime_init(&rt, 2, &err), MRW_OK);
  for (const mrw_conv_layer *layer : {&small.layer, &large.layer}) {
    ASSERT_EQ(layer->int8_conv, MRW_INT8_WINOGRAD);
    EXPECT_TRUE(mrw_conv_layer_runs_in_bands(layer));
    for (auto [h, w] : {std::pair{47, 45}, std::pair{21, 9}}) {
      const int tile = layer->int8.winograd_tile;
      std::vector<float> whole = run(layer, h, w, 3, kDefaultFpn);
      Gathered g = run_in_bands(layer, h, w, 3, 8, kDefaultFpn);
      EXPECT_EQ(g.bands, (h + 7) / 8);
      EXPECT_TRUE(same_bits(g.values, whole)) << "tile " << tile << ", " << h << "x" << w;
      mrw_feature x{};
      ASSERT_EQ(mrw_feature_alloc(&x, h, w, kDefaultFpn, &err), MRW_OK);
      std::vector<float> values = TestRandom(3).floats(mrw_feature_count(&x));
      std::memcpy(x.data, values.data(), values.size() * sizeof(float));
      const float *buffer = x.data;
      ASSERT_EQ(mrw_conv_layer_run_over_input(layer, &x, 1, 8, &rt, &err), MRW_OK) << err.message;
      EXPECT_EQ(x.data, buffer);
      EXPECT_TRUE(same_bits(std::vector<float>(x.data, x.data + values.size()), whole))
          << "over its input, tile " << tile << ", " << h << "x" << w;
      mrw_feature_free(&x);
    }
  }
  mrw_runtime_free(&rt);
}

}  // namespace
