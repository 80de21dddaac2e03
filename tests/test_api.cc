// The public C API: its error paths (a status and a message, never a crash), the results'
// accessors, and the COCO run-length encoding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" {
#include "api/result.h"
#include "maskrcnn_wasm.h"
}
#include "support/fixtures.h"

namespace {

bool contains(const char *text, const char *words) { return std::strstr(text, words) != nullptr; }

struct Model {
  mrw_model *m = mrw_model_create(2);
  ~Model() { mrw_model_free(m); }
};

TEST(Api, FreeingNothingIsANoOp) {
  mrw_model_free(nullptr);
  mrw_result_free(nullptr);
  EXPECT_EQ(mrw_result_count(nullptr), 0);
  EXPECT_EQ(mrw_result_box(nullptr, 0), nullptr);
  EXPECT_EQ(mrw_model_class_name(nullptr, 0), nullptr);
  EXPECT_EQ(mrw_stage_name(MRW_STAGES), nullptr);
  EXPECT_STREQ(mrw_stage_name(0), "preprocess");
}

TEST(Api, LoadErrorsNameTheProblem) {
  Model model;
  ASSERT_NE(model.m, nullptr);
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  EXPECT_EQ(mrw_model_threads(model.m), 1);  // no threads in this build: the caller alone
#else
  EXPECT_EQ(mrw_model_threads(model.m), 2);
#endif
  EXPECT_EQ(mrw_model_load_memory(model.m, nullptr, 0), MRW_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(mrw_model_error(model.m), "empty")) << mrw_model_error(model.m);
  const char garbage[] = "this is not a model file at all";
  EXPECT_EQ(mrw_model_load_memory(model.m, garbage, sizeof garbage), MRW_ERR_BAD_MODEL);
  EXPECT_NE(std::string(mrw_model_error(model.m)), "");
  EXPECT_EQ(mrw_model_load_file(model.m, "/nonexistent/model.safetensors"), MRW_ERR_IO);
  EXPECT_TRUE(contains(mrw_model_error(model.m), "/nonexistent/model.safetensors"))
      << mrw_model_error(model.m);
  // A valid safetensors file that is not a model.
  std::string fixture = fixture_path("resize.safetensors");
  EXPECT_EQ(mrw_model_load_file(model.m, fixture.c_str()), MRW_ERR_BAD_MODEL);
  EXPECT_TRUE(contains(mrw_model_error(model.m), "not a maskrcnn-wasm model file"))
      << mrw_model_error(model.m);
  EXPECT_EQ(mrw_model_class_count(model.m), 0);
}

static std::vector<char> read_fixture_bytes(const char *name) {
  std::string path = fixture_path(name);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(Api, TruncatedModelIsRefused) {
  std::vector<char> bytes = read_fixture_bytes("r18_fpn128.safetensors");
  ASSERT_FALSE(bytes.empty());
  Model model;
  EXPECT_EQ(mrw_model_load_memory(model.m, bytes.data(), bytes.size() / 2), MRW_ERR_BAD_MODEL);
  EXPECT_NE(std::string(mrw_model_error(model.m)), "");
  ASSERT_EQ(mrw_model_load_memory(model.m, bytes.data(), bytes.size()), MRW_OK) << mrw_model_error(model.m);
  EXPECT_EQ(mrw_model_class_count(model.m), 4);
  EXPECT_STREQ(mrw_model_class_name(model.m, 3), "triangle");
}

// mrw_model_load_buffer takes over a malloc'd buffer and frees it whatever the outcome (the
// sanitizer build reports a leak or a double free if it does not).
static void *malloc_copy(const std::vector<char> &bytes, size_t length) {
  void *buffer = malloc(length + MRW_MODEL_BUFFER_PADDING);
  if (buffer && length) memcpy(buffer, bytes.data(), length);
  return buffer;
}

TEST(Api, LoadBufferTakesOverTheBytes) {
  std::vector<char> bytes = read_fixture_bytes("r18_fpn128.safetensors");
  ASSERT_FALSE(bytes.empty());
  Model model;
  EXPECT_EQ(mrw_model_load_buffer(model.m, nullptr, 0), MRW_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(mrw_model_error(model.m), "empty")) << mrw_model_error(model.m);
  EXPECT_EQ(mrw_model_load_buffer(model.m, malloc_copy(bytes, bytes.size() / 2), bytes.size() / 2),
            MRW_ERR_BAD_MODEL);
  EXPECT_NE(std::string(mrw_model_error(model.m)), "");
  std::vector<char> garbage(40, 'x');
  EXPECT_EQ(mrw_model_load_buffer(model.m, malloc_copy(garbage, garbage.size()), garbage.size()),
            MRW_ERR_BAD_MODEL);
  EXPECT_EQ(mrw_model_load_buffer(nullptr, malloc_copy(bytes, 8), 8), MRW_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mrw_model_class_count(model.m), 0);
  ASSERT_EQ(mrw_model_load_buffer(model.m, malloc_copy(bytes, bytes.size()), bytes.size()), MRW_OK)
      << mrw_model_error(model.m);
  EXPECT_EQ(mrw_model_class_count(model.m), 4);
  EXPECT_STREQ(mrw_model_class_name(model.m, 3), "triangle");
}

// Instances as plain values, to compare two runs exactly.
struct Instance {
  std::vector<float> box;
  int label;
  float score;
  std::vector<uint8_t> mask;
  bool operator==(const Instance &o) const {
    return box == o.box && label == o.label && score == o.score && mask == o.mask;
  }
};

// consuming: through mrw_model_segment_consuming, on a malloc'd copy of the pixels.
static std::vector<Instance> segment_gradient(mrw_model *m, bool consuming = false) {
  std::vector<uint8_t> pixels(96 * 80 * 4);
  for (size_t i = 0; i < pixels.size(); i++) pixels[i] = static_cast<uint8_t>(i * 7 % 251);
  mrw_segment_options options = mrw_default_options();
  options.score_threshold = 0.0f;
  mrw_result *r = nullptr;
  if (consuming) {
    auto *copy = static_cast<uint8_t *>(malloc(pixels.size()));
    memcpy(copy, pixels.data(), pixels.size());
    EXPECT_EQ(mrw_model_segment_consuming(m, copy, 96, 80, 96 * 4, MRW_PIXELS_RGBA, &options, &r),
              MRW_OK)
        << mrw_model_error(m);
  } else {
    EXPECT_EQ(mrw_model_segment(m, pixels.data(), 96, 80, 96 * 4, MRW_PIXELS_RGBA, &options, &r),
              MRW_OK)
        << mrw_model_error(m);
  }
  std::vector<Instance> out;
  for (int i = 0; i < mrw_result_count(r); i++) {
    int x, y, w, h;
    mrw_result_mask_rect(r, i, &x, &y, &w, &h);
    const float *box = mrw_result_box(r, i);
    const uint8_t *mask = mrw_result_mask(r, i);
    out.push_back({std::vector<float>(box, box + 4), mrw_result_label(r, i),
                   mrw_result_score(r, i), std::vector<uint8_t>(mask, mask + (size_t)w * h)});
  }
  mrw_result_free(r);
  return out;
}

TEST(Api, StreamedModelSegmentsAsTheWholeFile) {
  std::vector<char> bytes = read_fixture_bytes("r18_fpn128.safetensors");
  ASSERT_FALSE(bytes.empty());
  Model whole, streamed;
  ASSERT_EQ(mrw_model_load_memory(whole.m, bytes.data(), bytes.size()), MRW_OK);
  std::vector<Instance> expected = segment_gradient(whole.m);
  ASSERT_GT(expected.size(), 10u);
  for (size_t part : {size_t{1000}, size_t{65536}, bytes.size()}) {
    mrw_model_stream *stream = mrw_model_stream_begin(streamed.m);
    ASSERT_NE(stream, nullptr);
    for (size_t at = 0; at < bytes.size(); at += part)
      ASSERT_EQ(mrw_model_stream_write(stream, bytes.data() + at, std::min(part, bytes.size() - at)),
                MRW_OK);
    ASSERT_EQ(mrw_model_stream_finish(stream), MRW_OK) << mrw_model_error(streamed.m);
    EXPECT_EQ(mrw_model_class_count(streamed.m), 4);
    EXPECT_TRUE(segment_gradient(streamed.m) == expected) << "in parts of " << part;
  }
}

TEST(Api, StreamRefusalsKeepThePreviousModel) {
  std::vector<char> bytes = read_fixture_bytes("r18_fpn128.safetensors");
  ASSERT_FALSE(bytes.empty());
  Model model;
  EXPECT_EQ(mrw_model_stream_begin(nullptr), nullptr);
  EXPECT_EQ(mrw_model_stream_write(nullptr, "x", 1), MRW_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mrw_model_stream_finish(nullptr), MRW_ERR_INVALID_ARGUMENT);
  mrw_model_stream_cancel(nullptr);
  ASSERT_EQ(mrw_model_load_memory(model.m, bytes.data(), bytes.size()), MRW_OK);
  std::vector<Instance> expected = segment_gradient(model.m);
  // cut short: refused, naming the tensor past the end; the model loaded before stays
  mrw_model_stream *stream = mrw_model_stream_begin(model.m);
  ASSERT_NE(stream, nullptr);
  ASSERT_EQ(mrw_model_stream_write(stream, bytes.data(), bytes.size() - 100), MRW_OK);
  EXPECT_EQ(mrw_model_stream_finish(stream), MRW_ERR_BAD_MODEL);
  EXPECT_TRUE(contains(mrw_model_error(model.m), "past the end")) << mrw_model_error(model.m);
  // longer than its header says
  stream = mrw_model_stream_begin(model.m);
  ASSERT_NE(stream, nullptr);
  ASSERT_EQ(mrw_model_stream_write(stream, bytes.data(), bytes.size()), MRW_OK);
  ASSERT_EQ(mrw_model_stream_write(stream, "more", 4), MRW_OK);
  EXPECT_EQ(mrw_model_stream_finish(stream), MRW_ERR_BAD_MODEL);
  EXPECT_TRUE(contains(mrw_model_error(model.m), "at its end")) << mrw_model_error(model.m);
  // not a model file at all, and a stream given up half way
  stream = mrw_model_stream_begin(model.m);
  ASSERT_NE(stream, nullptr);
  const char garbage[] = "this is not a model file at all";
  ASSERT_EQ(mrw_model_stream_write(stream, garbage, sizeof garbage), MRW_OK);
  EXPECT_EQ(mrw_model_stream_finish(stream), MRW_ERR_BAD_MODEL);
  stream = mrw_model_stream_begin(model.m);
  ASSERT_NE(stream, nullptr);
  ASSERT_EQ(mrw_model_stream_write(stream, bytes.data(), bytes.size() / 2), MRW_OK);
  mrw_model_stream_cancel(stream);
  EXPECT_EQ(mrw_model_class_count(model.m), 4);
  EXPECT_TRUE(segment_gradient(model.m) == expected);
}

TEST(Api, SegmentRefusesBadArguments) {
  Model model;
  std::vector<uint8_t> pixels(64 * 48 * 4, 128);
  mrw_result *r = reinterpret_cast<mrw_result *>(&pixels);  // must be reset to NULL
  EXPECT_EQ(mrw_model_segment(model.m, pixels.data(), 64, 48, 256, MRW_PIXELS_RGBA, nullptr, &r),
            MRW_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(r, nullptr);
  EXPECT_TRUE(contains(mrw_model_error(model.m), "no model is loaded"));
  std::string path = fixture_path("r18_fpn128.safetensors");
  ASSERT_EQ(mrw_model_load_file(model.m, path.c_str()), MRW_OK) << mrw_model_error(model.m);
  struct Case {
    const uint8_t *pixels;
    int w, h, stride, format;
    const char *words;
  } cases[] = {
      {nullptr, 64, 48, 256, 4, "pixels are NULL"},
      {pixels.data(), 0, 48, 256, 4, "image size 0x48"},
      {pixels.data(), 64, -3, 256, 4, "image size 64x-3"},
      {pixels.data(), 100000, 48, 400000, 4, "outside"},
      {pixels.data(), 64, 48, 100, 4, "row stride 100"},
      {pixels.data(), 64, 48, 256, 2, "pixel format 2"},
  };
  for (const Case &c : cases) {
    EXPECT_EQ(mrw_model_segment(model.m, c.pixels, c.w, c.h, c.stride,
                                static_cast<mrw_pixel_format>(c.format), nullptr, &r),
              MRW_ERR_INVALID_ARGUMENT);
    EXPECT_TRUE(contains(mrw_model_error(model.m), c.words)) << mrw_model_error(model.m);
  }
  mrw_segment_options bad = mrw_default_options();
  bad.score_threshold = 1.5f;
  EXPECT_EQ(mrw_model_segment(model.m, pixels.data(), 64, 48, 256, MRW_PIXELS_RGBA, &bad, &r),
            MRW_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(mrw_model_error(model.m), "score threshold 1.5"));
  // And the model still works after every refusal.
  ASSERT_EQ(mrw_model_segment(model.m, pixels.data(), 64, 48, 256, MRW_PIXELS_RGBA, nullptr, &r),
            MRW_OK)
      << mrw_model_error(model.m);
  EXPECT_EQ(mrw_result_image_width(r), 64);
  EXPECT_EQ(mrw_result_image_height(r), 48);
  for (int s = 0; s < MRW_STAGES; s++) EXPECT_GE(mrw_result_stage_ms(r, s), 0.0);
  EXPECT_EQ(mrw_result_box(r, -1), nullptr);
  EXPECT_EQ(mrw_result_box(r, mrw_result_count(r)), nullptr);
  mrw_result_free(r);
}

// mrw_model_segment_consuming gives mrw_model_segment's instances and frees the pixels whatever
// the outcome (the sanitizer build reports a leak or a double free if it does not).
TEST(Api, SegmentConsumingTakesOverThePixels) {
  auto copy = [] { return static_cast<uint8_t *>(calloc(64 * 48 * 4, 1)); };
  Model model;
  mrw_result *r = nullptr;
  EXPECT_EQ(mrw_model_segment_consuming(nullptr, copy(), 64, 48, 256, MRW_PIXELS_RGBA, nullptr, &r),
            MRW_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mrw_model_segment_consuming(model.m, copy(), 64, 48, 256, MRW_PIXELS_RGBA, nullptr, &r),
            MRW_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(mrw_model_error(model.m), "no model is loaded"));
  std::string path = fixture_path("r18_fpn128.safetensors");
  ASSERT_EQ(mrw_model_load_file(model.m, path.c_str()), MRW_OK) << mrw_model_error(model.m);
  EXPECT_EQ(mrw_model_segment_consuming(model.m, copy(), 64, 48, 100, MRW_PIXELS_RGBA, nullptr, &r),
            MRW_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(mrw_model_error(model.m), "row stride 100"));
  mrw_segment_options bad = mrw_default_options();
  bad.mask_threshold = 1.0f;
  EXPECT_EQ(mrw_model_segment_consuming(model.m, copy(), 64, 48, 256, MRW_PIXELS_RGBA, &bad, &r),
            MRW_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(mrw_model_error(model.m), "mask threshold 1"));
  std::vector<Instance> expected = segment_gradient(model.m);
  ASSERT_FALSE(expected.empty());
  EXPECT_TRUE(segment_gradient(model.m, true) == expected);
}

// A result with one hand-made instance on a 3-wide, 2-high image.
mrw_result *make_result(int width, int height, int mx, int my, int mw, int mh,
                        const std::vector<float> &probs) {
  mrw_result *r = nullptr;
  mrw_error err{};
  EXPECT_EQ(mrw_instances_alloc(1, width, height, &r, &err), MRW_OK);
  mrw_instance &it = r->instances[0];
  it.label = 1;
  it.score = 0.9f;
  it.mask = {mx, my, mw, mh, static_cast<float *>(malloc((probs.size() + 1) * sizeof(float)))};
  if (!probs.empty()) std::memcpy(it.mask.probs, probs.data(), probs.size() * sizeof(float));
  char background[] = "__background__", thing[] = "thing";
  char *labels[] = {background, thing};
  EXPECT_EQ(mrw_instances_finish(r, labels, 0.5f, &err), MRW_OK);
  return r;
}

std::string rle(const mrw_result *r) {
  size_t n = mrw_result_mask_rle(r, 0, nullptr, 0);
  std::string s(n + 1, '\0');
  EXPECT_EQ(mrw_result_mask_rle(r, 0, &s[0], s.size()), n);
  s.resize(n);
  return s;
}

TEST(Api, MaskRectangleBinaryMaskAndProbabilities) {
  // A 2x2 mask at (1, 0) of a 3x2 image: the probabilities as given, the binary mask > 0.5.
  mrw_result *r = make_result(3, 2, 1, 0, 2, 2, {0.2f, 0.5f, 0.51f, 0.9f});
  int x = -1, y = -1, w = -1, h = -1;
  mrw_result_mask_rect(r, 0, &x, &y, &w, &h);
  EXPECT_EQ(x, 1);
  EXPECT_EQ(y, 0);
  EXPECT_EQ(w, 2);
  EXPECT_EQ(h, 2);
  const float *probs = mrw_result_mask_probabilities(r, 0);
  ASSERT_NE(probs, nullptr);
  EXPECT_EQ(probs[0], 0.2f);
  EXPECT_EQ(probs[3], 0.9f);
  const uint8_t *binary = mrw_result_mask(r, 0);
  ASSERT_NE(binary, nullptr);
  const uint8_t expected[] = {0, 0, 1, 1};
  for (int i = 0; i < 4; i++) EXPECT_EQ(binary[i], expected[i]) << i;
  // No such instance: zeros and NULL, never a crash.
  mrw_result_mask_rect(r, 1, &x, &y, &w, &h);
  EXPECT_EQ(x + y + w + h, 0);
  EXPECT_EQ(mrw_result_mask_probabilities(r, 1), nullptr);
  EXPECT_EQ(mrw_result_mask_probabilities(nullptr, 0), nullptr);
  mrw_result_mask_rect(nullptr, 0, nullptr, nullptr, nullptr, nullptr);
  mrw_result_free(r);
}

TEST(Api, CocoRunLengthEncodingByHand) {
  // 3 wide, 2 high; mask 1 at (x=0, y=1), (1, 0), (1, 1). Column-major: 0 1 1 1 0 0 -> 1 3 2.
  mrw_result *r = make_result(3, 2, 0, 0, 2, 2, {0.1f, 0.9f, 0.6f, 0.7f});
  EXPECT_EQ(rle(r), "132");
  std::vector<uint8_t> full(6, 7);
  ASSERT_EQ(mrw_result_full_mask(r, 0, full.data(), full.size()), MRW_OK);
  const uint8_t expected[] = {0, 1, 0, 1, 1, 0};
  for (int i = 0; i < 6; i++) EXPECT_EQ(full[i], expected[i]) << i;
  EXPECT_STREQ(mrw_result_class_name(r, 0), "thing");
  mrw_result_free(r);
  // 1 wide, 100 high, rows 10..59 set: counts 10 50 40 -> ":" "b1" "X1" (5-bit groups).
  std::vector<float> column(50, 1.0f);
  r = make_result(1, 100, 0, 10, 1, 50, column);
  EXPECT_EQ(rle(r), ":b1X1");
  mrw_result_free(r);
  // 1 wide, 10 high: 0 1 1 0 0 0 1 0 0 0 -> counts 1 2 3 1 3; from the fourth on each is
  // coded as the difference to the count two before: 1 2 3 -1 0 -> "123O0".
  r = make_result(1, 10, 0, 0, 1, 10, {0, 1, 1, 0, 0, 0, 1, 0, 0, 0});
  EXPECT_EQ(rle(r), "123O0");
  // The capacity is respected and the string stays terminated.
  char small[3];
  EXPECT_EQ(mrw_result_mask_rle(r, 0, small, sizeof small), 5u);
  EXPECT_STREQ(small, "12");
  mrw_result_free(r);
}

TEST(Api, EmptyMaskEncodesAsOneRun) {
  mrw_result *r = make_result(4, 5, 0, 0, 0, 0, {});
  // 20 = 0b10100: the low group 0x14 has the 0x10 (sign) bit, so a second group follows:
  // 0x14 | 0x20 = 52 -> 48 + 52 = 'd', then 0 -> '0'.
  EXPECT_EQ(rle(r), "d0");
  mrw_result_free(r);
}

}  // namespace
