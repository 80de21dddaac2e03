// Every allocation of a model load and of a segment call is failed once, in turn: each time the
// call returns an error status with a message, or (where a failed allocation has a way round
// it, as the C library's qsort has) succeeds with the same outcome; never a crash; nothing it
// allocated is left behind, and the model still works afterwards. Native builds without a sanitizer only (see
// support/failing_alloc.h; CMakeLists.txt lists this file's tests for those builds alone).
#include <gtest/gtest.h>

#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" {
#include "maskrcnn_wasm.h"
}
#include "support/failing_alloc.h"
#include "support/fixtures.h"

namespace {

std::vector<char> read_bytes(const std::string &name) {
  std::ifstream in(fixture_path(name), std::ios::binary);
  EXPECT_TRUE(in) << name;
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The smallest end-to-end model of the fixtures (MobileNetV3, light heads), and an image.
const char *const kModel = "mnv3_light_det.safetensors";

std::vector<uint8_t> test_image(int width, int height) {
  std::vector<uint8_t> rgba(static_cast<size_t>(width) * height * 4);
  for (int y = 0; y < height; y++) {
    for (int x = 0; x < width; x++) {
      uint8_t *p = &rgba[(static_cast<size_t>(y) * width + x) * 4];
      bool inside = (x - 40) * (x - 40) + (y - 30) * (y - 30) < 400 || (x > 70 && x < 110 && y > 20 && y < 60);
      p[0] = static_cast<uint8_t>(inside ? 230 : 40 + x / 2);
      p[1] = static_cast<uint8_t>(inside ? 60 : 90 + y / 2);
      p[2] = static_cast<uint8_t>(inside ? 50 : 120);
      p[3] = 255;
    }
  }
  return rgba;
}

// k: the allocation that failed (0: none)
void expect_same(const mrw_result *result, const mrw_result *reference, long k) {
  ASSERT_EQ(mrw_result_count(result), mrw_result_count(reference)) << "allocation " << k;
  for (int i = 0; i < mrw_result_count(result); i++) {
    EXPECT_EQ(mrw_result_score(result, i), mrw_result_score(reference, i)) << "allocation " << k;
    EXPECT_EQ(mrw_result_label(result, i), mrw_result_label(reference, i)) << "allocation " << k;
  }
}

TEST(AllocationFailure, TheReplacementAllocatorIsInPlace) {
  ASSERT_TRUE(failing_alloc::available());
  failing_alloc::arm(2);
  void *first = malloc(16);
  void *second = malloc(16);
  long counted = failing_alloc::disarm();
  EXPECT_NE(first, nullptr);
  EXPECT_EQ(second, nullptr);
  EXPECT_EQ(counted, 2);
  EXPECT_EQ(failing_alloc::live_blocks(), 1);
  free(first);
  EXPECT_EQ(failing_alloc::live_blocks(), 0);
}

// A model file loaded whole from memory.
mrw_status load_whole(mrw_model *model, const std::vector<char> &bytes) {
  return mrw_model_load_memory(model, bytes.data(), bytes.size());
}

// The same file as a stream in parts of 64 KiB (each tensor in a block of its own).
mrw_status load_streamed(mrw_model *model, const std::vector<char> &bytes) {
  mrw_model_stream *stream = mrw_model_stream_begin(model);
  if (!stream) return MRW_ERR_OUT_OF_MEMORY;
  const size_t part = 65536;
  for (size_t at = 0; at < bytes.size(); at += part) {
    mrw_status s = mrw_model_stream_write(stream, bytes.data() + at, std::min(part, bytes.size() - at));
    if (s != MRW_OK) {
      mrw_model_stream_cancel(stream);
      return s;
    }
  }
  return mrw_model_stream_finish(stream);
}

// Fails each `stride`th allocation of a load in turn, from `first` (and the last): every one
// gives a status and a message, or goes round the failure, and leaves nothing behind.
void each_allocation_fails_cleanly(mrw_status (*load)(mrw_model *, const std::vector<char> &),
                                   long first, long default_stride) {
  std::vector<char> bytes = read_bytes(kModel);
  ASSERT_FALSE(bytes.empty());
  mrw_model *model = mrw_model_create(2);
  ASSERT_NE(model, nullptr);
  failing_alloc::arm(0);
  ASSERT_EQ(load(model, bytes), MRW_OK) << mrw_model_error(model);
  long total = failing_alloc::disarm();
  const int classes = mrw_model_class_count(model);
  mrw_model_free(model);
  ASSERT_EQ(failing_alloc::live_blocks(), 0);
  ASSERT_GT(total, 10);
  // MRW_ALLOCATION_STRIDE=1 fails every one (the README's command, about 8 minutes).
  const char *stride_text = std::getenv("MRW_ALLOCATION_STRIDE");
  const long stride = stride_text ? std::max(1L, std::atol(stride_text)) : default_stride;
  ::testing::Test::RecordProperty("allocations", std::to_string(total));
  for (long k = stride_text ? 1 : first; k <= total;
       k = (k < total && k + stride > total) ? total : k + stride) {
    model = mrw_model_create(2);
    ASSERT_NE(model, nullptr);
    failing_alloc::arm(k);
    mrw_status status = load(model, bytes);
    failing_alloc::disarm();
    if (status == MRW_OK) {
      EXPECT_EQ(mrw_model_class_count(model), classes) << "allocation " << k << " failed, the load went round it";
    } else {
      ASSERT_NE(std::string(mrw_model_error(model)), "") << "allocation " << k;
      EXPECT_EQ(mrw_model_class_count(model), 0) << "allocation " << k;
    }
    mrw_model_free(model);
    ASSERT_EQ(failing_alloc::live_blocks(), 0) << "allocation " << k << " of " << total << ": "
                                                << failing_alloc::live_bytes() << " bytes left behind:\n"
                                                << failing_alloc::describe_live();
  }
}

// A load makes about 4000 allocations, each failure costing up to a whole load: the suite
// fails every 32nd of them from memory, and every 64th of a streamed load, from the 17th (the
// two loads make the same allocations but the stream's own, so these fall between).
TEST(AllocationFailure, EachAllocationOfALoadFailsCleanly) {
  each_allocation_fails_cleanly(load_whole, 1, 32);
}

TEST(AllocationFailure, EachAllocationOfAStreamedLoadFailsCleanly) {
  each_allocation_fails_cleanly(load_streamed, 17, 64);
}

TEST(AllocationFailure, EachAllocationOfASegmentCallFailsCleanly) {
  std::vector<char> bytes = read_bytes(kModel);
  ASSERT_FALSE(bytes.empty());
  const int width = 128, height = 80;
  std::vector<uint8_t> image = test_image(width, height);
  mrw_model *model = mrw_model_create(2);
  ASSERT_NE(model, nullptr);
  ASSERT_EQ(mrw_model_load_memory(model, bytes.data(), bytes.size()), MRW_OK) << mrw_model_error(model);
  mrw_segment_options options = mrw_default_options();
  options.max_instances = 3;
  mrw_result *reference = nullptr;
  failing_alloc::arm(0);
  ASSERT_EQ(mrw_model_segment(model, image.data(), width, height, width * 4, MRW_PIXELS_RGBA, &options,
                              &reference), MRW_OK) << mrw_model_error(model);
  long total = failing_alloc::disarm();
  ASSERT_GT(total, 5);
  ASSERT_GT(mrw_result_count(reference), 0);
  for (long k = 1; k <= total; k++) {
    mrw_result *result = nullptr;
    failing_alloc::arm(k);
    mrw_status status = mrw_model_segment(model, image.data(), width, height, width * 4, MRW_PIXELS_RGBA,
                                          &options, &result);
    failing_alloc::disarm();
    if (status == MRW_OK) {
      expect_same(result, reference, k);
      mrw_result_free(result);
    } else {
      ASSERT_EQ(result, nullptr) << "allocation " << k;
      ASSERT_NE(std::string(mrw_model_error(model)), "") << "allocation " << k;
    }
  }
  // the model still gives the same result
  mrw_result *again = nullptr;
  ASSERT_EQ(mrw_model_segment(model, image.data(), width, height, width * 4, MRW_PIXELS_RGBA, &options, &again),
            MRW_OK) << mrw_model_error(model);
  expect_same(again, reference, 0);
  mrw_result_free(again);
  mrw_result_free(reference);
  mrw_model_free(model);
  EXPECT_EQ(failing_alloc::live_blocks(), 0) << failing_alloc::live_bytes() << " bytes left behind:\n"
                                             << failing_alloc::describe_live();
}

}  // namespace
