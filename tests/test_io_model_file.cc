#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#ifdef MRW_HAVE_ZLIB
#include <zlib.h>
#endif

extern "C" {
#include "base/status.h"
}
#include "io/half.h"
#include "io/safetensors.h"

namespace {

using Bytes = std::vector<uint8_t>;

struct Tensor {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  Bytes data;
};

using Metadata = std::vector<std::pair<std::string, std::string>>;

std::string Quote(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

template <typename T>
Bytes ToBytes(const std::vector<T> &values) {
  Bytes bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// A safetensors file: the 8-byte little-endian header length, the header, the data buffer.
Bytes WithHeader(const std::string &header, const Bytes &data) {
  Bytes file;
  uint64_t length = header.size();
  for (int i = 0; i < 8; i++) file.push_back(static_cast<uint8_t>(length >> (8 * i)));
  file.insert(file.end(), header.begin(), header.end());
  file.insert(file.end(), data.begin(), data.end());
  return file;
}

// The header entry of one tensor: {"dtype": ..., "shape": [...], "data_offsets": [b, e]}.
std::string Entry(const std::string &dtype, const std::vector<int64_t> &shape, size_t begin,
                  size_t end) {
  std::string s = "{\"dtype\":" + Quote(dtype) + ",\"shape\":[";
  for (size_t i = 0; i < shape.size(); i++) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "],\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(end) + "]}";
}

// Lays the tensors out contiguously in the given order.
Bytes BuildFile(const std::vector<Tensor> &tensors, const Metadata &metadata = {}) {
  std::string header = "{";
  Bytes data;
  for (const Tensor &t : tensors) {
    header += Quote(t.name) + ":" +
              Entry(t.dtype, t.shape, data.size(), data.size() + t.data.size()) + ",";
    data.insert(data.end(), t.data.begin(), t.data.end());
  }
  header += "\"__metadata__\":{";
  for (size_t i = 0; i < metadata.size(); i++) {
    header += (i ? "," : "") + Quote(metadata[i].first) + ":" + Quote(metadata[i].second);
  }
  return WithHeader(header + "}}", data);
}

// An owned model file opened from bytes.
struct Opened {
  mrw_safetensors *file = nullptr;
  mrw_error err{};
  mrw_status status;
  explicit Opened(const Bytes &bytes)
      : status(mrw_safetensors_open_memory(bytes.data(), bytes.size(), &file, &err)) {}
  ~Opened() { mrw_safetensors_free(file); }
  Opened(const Opened &) = delete;
  Opened &operator=(const Opened &) = delete;
};

// The same bytes written to a stream in parts of `part` bytes (0: in one write).
struct Streamed {
  mrw_safetensors *file = nullptr;
  mrw_error err{};
  mrw_status status = MRW_OK;
  Streamed(const Bytes &bytes, size_t part) {
    mrw_safetensors_stream *stream = mrw_safetensors_stream_begin();
    if (!stream) {
      status = MRW_ERR_OUT_OF_MEMORY;
      return;
    }
    size_t step = part ? part : bytes.size();
    for (size_t at = 0; at < bytes.size() && status == MRW_OK; at += step) {
      size_t n = std::min(step, bytes.size() - at);
      status = mrw_safetensors_stream_write(stream, bytes.data() + at, n, &err);
    }
    mrw_status finished = mrw_safetensors_stream_finish(stream, &file, &err);
    if (status == MRW_OK) status = finished;
  }
  ~Streamed() { mrw_safetensors_free(file); }
  Streamed(const Streamed &) = delete;
  Streamed &operator=(const Streamed &) = delete;
};

const size_t kParts[] = {1, 3, 7, 64, 0};

::testing::AssertionResult Refused(const Bytes &bytes, mrw_status expected,
                                   std::initializer_list<const char *> words) {
  Opened opened(bytes);
  if (opened.status != expected || opened.file != nullptr) {
    return ::testing::AssertionFailure() << "status " << opened.status << " (expected " << expected
                                         << "): " << opened.err.message;
  }
  std::string message = opened.err.message;
  for (const char *word : words) {
    if (message.find(word) == std::string::npos) {
      return ::testing::AssertionFailure() << "message '" << message << "' lacks '" << word << "'";
    }
  }
  // a stream, whatever its parts, refuses the file with the same message
  for (size_t part : kParts) {
    Streamed streamed(bytes, part);
    if (streamed.status != expected || streamed.file != nullptr || message != streamed.err.message) {
      return ::testing::AssertionFailure() << "in parts of " << part << ": status "
                                           << streamed.status << ", '" << streamed.err.message
                                           << "' where the whole file gave '" << message << "'";
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult RefusedHeader(const std::string &header, size_t data_size,
                                         std::initializer_list<const char *> words,
                                         mrw_status expected = MRW_ERR_BAD_MODEL) {
  return Refused(WithHeader(header, Bytes(data_size, 0)), expected, words);
}

std::vector<float> ReadAll(const mrw_tensor_view *t) {
  std::vector<float> values(t->count);
  mrw_error err{};
  EXPECT_EQ(mrw_tensor_read_f32(t, values.data(), values.size(), &err), MRW_OK) << err.message;
  return values;
}

uint32_t BitsOf(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

#ifdef MRW_HAVE_ZLIB
Bytes Gzip(const Bytes &raw) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(deflateBound(&zs, raw.size()));
  zs.next_in = const_cast<Bytef *>(raw.data());
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}
#endif

const std::vector<float> kF32Values = {1.5f, -2.0f, 0.0f, 3.25f, 1e-3f, -7.0f};

Bytes SmallModel() {
  return BuildFile({{"backbone.conv1.weight", "F32", {2, 3}, ToBytes(kF32Values)},
                    {"mask", "U8", {4}, {0, 1, 128, 255}}},
                   {{"format", "maskrcnn-wasm"}, {"config", "{\"depth\": 50}"}});
}

}  // namespace

// ---- binary16 ----

// (-1)^sign * 2^(exponent - 15) * 1.mantissa, or 2^-14 * 0.mantissa for subnormals.
static float HalfByDefinition(uint16_t h) {
  int exponent = (h >> 10) & 0x1F;
  int mantissa = h & 0x3FF;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    magnitude = mantissa ? NAN : INFINITY;
  } else {
    magnitude = std::ldexp(static_cast<float>(1024 + mantissa), exponent - 25);
  }
  return (h & 0x8000) ? -magnitude : magnitude;
}

TEST(IoHalf, HandKnownValues) {
  EXPECT_EQ(mrw_half_to_float(0x3C00), 1.0f);
  EXPECT_EQ(mrw_half_to_float(0xC000), -2.0f);
  EXPECT_EQ(mrw_half_to_float(0x7BFF), 65504.0f);
  EXPECT_EQ(mrw_half_to_float(0x0001), std::ldexp(1.0f, -24));     // smallest subnormal
  EXPECT_EQ(mrw_half_to_float(0x03FF), std::ldexp(1023.0f, -24));  // largest subnormal
  EXPECT_EQ(mrw_half_to_float(0x0400), std::ldexp(1.0f, -14));     // smallest normal
  EXPECT_EQ(mrw_half_to_float(0x3555), 0.333251953125f);
  EXPECT_EQ(BitsOf(mrw_half_to_float(0x0000)), 0x00000000u);
  EXPECT_EQ(BitsOf(mrw_half_to_float(0x8000)), 0x80000000u);  // -0
  EXPECT_EQ(mrw_half_to_float(0x7C00), INFINITY);
  EXPECT_EQ(mrw_half_to_float(0xFC00), -INFINITY);
  EXPECT_TRUE(std::isnan(mrw_half_to_float(0x7E00)));
  EXPECT_TRUE(std::isnan(mrw_half_to_float(0x7C01)));  // signalling NaN stays a NaN
  EXPECT_TRUE(std::signbit(mrw_half_to_float(0xFE00)));
}

TEST(IoHalf, EveryValueMatchesItsDefinition) {
  for (uint32_t h = 0; h <= 0xFFFF; h++) {
    float expected = HalfByDefinition(static_cast<uint16_t>(h));
    float actual = mrw_half_to_float(static_cast<uint16_t>(h));
    if (std::isnan(expected)) {
      ASSERT_TRUE(std::isnan(actual)) << std::hex << h;
      ASSERT_EQ(std::signbit(actual), std::signbit(expected)) << std::hex << h;
    } else {
      ASSERT_EQ(BitsOf(actual), BitsOf(expected)) << std::hex << h;
    }
  }
}

// ---- valid files ----

TEST(IoModelFile, F32AndU8RoundTripWithMetadata) {
  Opened opened(SmallModel());
  ASSERT_EQ(opened.status, MRW_OK) << opened.err.message;
  mrw_safetensors *file = opened.file;
  ASSERT_EQ(mrw_safetensors_tensor_count(file), 2u);

  const mrw_tensor_view *w = mrw_safetensors_find(file, "backbone.conv1.weight");
  ASSERT_NE(w, nullptr);
  EXPECT_STREQ(w->name, "backbone.conv1.weight");
  EXPECT_EQ(w->dtype, MRW_DTYPE_F32);
  ASSERT_EQ(w->ndim, 2);
  EXPECT_EQ(w->shape[0], 2);
  EXPECT_EQ(w->shape[1], 3);
  EXPECT_EQ(w->count, 6u);
  EXPECT_EQ(w->nbytes, 24u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(w->data) % 16, 0u);  // the data buffer is aligned
  EXPECT_EQ(ReadAll(w), kF32Values);

  const mrw_tensor_view *mask = mrw_safetensors_find(file, "mask");
  ASSERT_NE(mask, nullptr);
  EXPECT_EQ(mask->dtype, MRW_DTYPE_U8);
  EXPECT_EQ(ReadAll(mask), (std::vector<float>{0.0f, 1.0f, 128.0f, 255.0f}));

  EXPECT_STREQ(mrw_safetensors_metadata(file, "format"), "maskrcnn-wasm");
  EXPECT_STREQ(mrw_safetensors_metadata(file, "config"), "{\"depth\": 50}");
  EXPECT_EQ(mrw_safetensors_metadata(file, "missing"), nullptr);
  EXPECT_EQ(mrw_safetensors_find(file, "absent"), nullptr);
  EXPECT_EQ(mrw_safetensors_find(file, "mas"), nullptr);
}

TEST(IoModelFile, F16RoundTrip) {
  const std::vector<uint16_t> halves = {0x3C00, 0xC000, 0x7BFF, 0x0001,
                                        0x7C00, 0xFC00, 0x7E00, 0x8000};
  Opened opened(BuildFile({{"h", "F16", {2, 2, 2}, ToBytes(halves)}}));
  ASSERT_EQ(opened.status, MRW_OK) << opened.err.message;
  const mrw_tensor_view *h = mrw_safetensors_tensor_at(opened.file, 0);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->dtype, MRW_DTYPE_F16);
  EXPECT_EQ(h->ndim, 3);
  EXPECT_EQ(h->count, 8u);
  EXPECT_EQ(h->nbytes, 16u);
  std::vector<float> v = ReadAll(h);
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], -2.0f);
  EXPECT_EQ(v[2], 65504.0f);
  EXPECT_EQ(v[3], std::ldexp(1.0f, -24));
  EXPECT_EQ(v[4], INFINITY);
  EXPECT_EQ(v[5], -INFINITY);
  EXPECT_TRUE(std::isnan(v[6]));
  EXPECT_EQ(BitsOf(v[7]), 0x80000000u);
  EXPECT_EQ(mrw_safetensors_metadata(opened.file, "format"), nullptr);
}

TEST(IoModelFile, MisalignedTensorsStillRead) {
  // 3 bytes of U8 first: the F16 and F32 tensors after it start at odd offsets.
  const std::vector<float> f32 = {0.5f, -1.25f, 1e6f};
  Opened opened(BuildFile({{"u", "U8", {3}, {7, 8, 9}},
                           {"h", "F16", {1}, ToBytes(std::vector<uint16_t>{0xC000})},
                           {"f", "F32", {3}, ToBytes(f32)}}));
  ASSERT_EQ(opened.status, MRW_OK) << opened.err.message;
  const mrw_tensor_view *f = mrw_safetensors_find(opened.file, "f");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(reinterpret_cast<uintptr_t>(f->data) % 4, 0u);
  EXPECT_EQ(ReadAll(f), f32);
  EXPECT_EQ(ReadAll(mrw_safetensors_find(opened.file, "h")), std::vector<float>{-2.0f});
}

TEST(IoModelFile, Int8TensorsReadAsValueTimesTheirRowsScale) {
  // Two rows of three: row 0 scaled by 0.5, row 1 by 0.25 (exact in float).
  const Bytes q = {1, 0xFF, 127, 0x81, 4, 0};  // 1, -1, 127, -127, 4, 0
  Opened opened(BuildFile({{"w", "I8", {2, 3}, q},
                           {"w.int8_scales", "F32", {2}, ToBytes(std::vector<float>{0.5f, 0.25f})}}));
  ASSERT_EQ(opened.status, MRW_OK) << opened.err.message;
  const mrw_tensor_view *w = mrw_safetensors_find(opened.file, "w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dtype, MRW_DTYPE_I8);
  EXPECT_EQ(ReadAll(w), (std::vector<float>{0.5f, -0.5f, 63.5f, -31.75f, 1.0f, 0.0f}));
  std::vector<float> part(2);
  mrw_error err{};
  ASSERT_EQ(mrw_tensor_read_f32_range(w, 2, 2, part.data(), &err), MRW_OK);
  EXPECT_EQ(part, (std::vector<float>{63.5f, -31.75f}));  // across the row boundary
  EXPECT_STREQ(mrw_dtype_name(MRW_DTYPE_I8), "I8");
}

TEST(IoModelFile, Int8TensorsAndScalesComeInPairs) {
  const auto scales = [](std::vector<float> v) { return ToBytes(v); };
  EXPECT_TRUE(Refused(BuildFile({{"w", "I8", {2, 1}, {1, 2}}}), MRW_ERR_BAD_MODEL,
                      {"'w'", "I8 tensor without its scales", ".int8_scales"}));
  EXPECT_TRUE(Refused(BuildFile({{"w.int8_scales", "F32", {1}, scales({1.0f})}}), MRW_ERR_BAD_MODEL,
                      {"'w.int8_scales'", "int8 scales without an I8 tensor"}));
  EXPECT_TRUE(Refused(BuildFile({{"w", "I8", {2, 1}, {1, 2}}, {"w.int8_scales", "F32", {3}, scales({1, 1, 1})}}),
                      MRW_ERR_BAD_MODEL, {"must be F32 of shape [2]"}));
  EXPECT_TRUE(Refused(BuildFile({{"w", "I8", {2, 1}, {1, 2}},
                                 {"w.int8_scales", "F16", {2}, ToBytes(std::vector<uint16_t>{0x3C00, 0x3C00})}}),
                      MRW_ERR_BAD_MODEL, {"must be F32"}));
  for (float bad : {0.0f, -1.0f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    EXPECT_TRUE(Refused(BuildFile({{"w", "I8", {2, 1}, {1, 2}}, {"w.int8_scales", "F32", {2}, scales({1.0f, bad})}}),
                        MRW_ERR_BAD_MODEL, {"scale 1 is", "not a finite number > 0"}))
        << bad;
  }
  EXPECT_TRUE(Refused(BuildFile({{"w", "I8", {}, {1}}, {"w.int8_scales", "F32", {1}, scales({1.0f})}}),
                      MRW_ERR_BAD_MODEL, {"needs rows"}));
}

TEST(IoModelFile, TensorsComeInOffsetOrderAndAreFoundByName) {
  // Header order differs from data order.
  std::string header = "{\"z\":" + Entry("U8", {2}, 0, 2) + ",\"a\":" + Entry("U8", {1}, 4, 5) +
                       ",\"m\":" + Entry("U8", {2}, 2, 4) + "}";
  Opened opened(WithHeader(header, {10, 11, 12, 13, 14}));
  ASSERT_EQ(opened.status, MRW_OK) << opened.err.message;
  ASSERT_EQ(mrw_safetensors_tensor_count(opened.file), 3u);
  EXPECT_STREQ(mrw_safetensors_tensor_at(opened.file, 0)->name, "z");
  EXPECT_STREQ(mrw_safetensors_tensor_at(opened.file, 1)->name, "m");
  EXPECT_STREQ(mrw_safetensors_tensor_at(opened.file, 2)->name, "a");
  EXPECT_EQ(mrw_safetensors_tensor_at(opened.file, 3), nullptr);
  EXPECT_EQ(ReadAll(mrw_safetensors_find(opened.file, "m")), (std::vector<float>{12.0f, 13.0f}));
}

TEST(IoModelFile, ManyTensorsLookup) {
  std::vector<Tensor> tensors;
  for (int i = 0; i < 300; i++) {
    Bytes value = ToBytes(std::vector<float>{static_cast<float>(i)});
    tensors.push_back({"layer" + std::to_string(i) + ".weight", "F32", {1}, value});
  }
  Opened opened(BuildFile(tensors));
  ASSERT_EQ(opened.status, MRW_OK) << opened.err.message;
  for (int i = 0; i < 300; i++) {
    std::string name = "layer" + std::to_string(i) + ".weight";
    const mrw_tensor_view *t = mrw_safetensors_find(opened.file, name.c_str());
    ASSERT_NE(t, nullptr) << name;
    EXPECT_EQ(ReadAll(t)[0], static_cast<float>(i));
  }
}

TEST(IoModelFile, ScalarsEmptyTensorsAndPaddedHeader) {
  // Shape [] is a scalar of one element; a zero dimension gives an empty tensor. The header
  // may end with spaces (writers pad it to a multiple of 8).
  std::string header =
      "{\"s\":" + Entry("F32", {}, 0, 4) + ",\"e\":" + Entry("F32", {3, 0}, 4, 4) + "}    ";
  Opened opened(WithHeader(header, ToBytes(std::vector<float>{42.0f})));
  ASSERT_EQ(opened.status, MRW_OK) << opened.err.message;
  const mrw_tensor_view *s = mrw_safetensors_find(opened.file, "s");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->ndim, 0);
  EXPECT_EQ(s->count, 1u);
  EXPECT_EQ(ReadAll(s)[0], 42.0f);
  const mrw_tensor_view *e = mrw_safetensors_find(opened.file, "e");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->count, 0u);
  mrw_error err{};
  EXPECT_EQ(mrw_tensor_read_f32(e, nullptr, 0, &err), MRW_OK);
}

TEST(IoModelFile, HeaderWithoutTensors) {
  Opened opened(WithHeader("{}", {}));
  ASSERT_EQ(opened.status, MRW_OK) << opened.err.message;
  EXPECT_EQ(mrw_safetensors_tensor_count(opened.file), 0u);
  EXPECT_EQ(mrw_safetensors_find(opened.file, "x"), nullptr);
}

TEST(IoModelFile, CallerMayFreeItsBytes) {
  auto *bytes = new Bytes(SmallModel());
  mrw_safetensors *file = nullptr;
  ASSERT_EQ(mrw_safetensors_open_memory(bytes->data(), bytes->size(), &file, nullptr), MRW_OK);
  delete bytes;
  EXPECT_EQ(ReadAll(mrw_safetensors_find(file, "backbone.conv1.weight")), kF32Values);
  mrw_safetensors_free(file);
  mrw_safetensors_free(nullptr);
}

TEST(IoModelFile, ReadRefusesWrongCount) {
  Opened opened(SmallModel());
  ASSERT_EQ(opened.status, MRW_OK);
  const mrw_tensor_view *w = mrw_safetensors_find(opened.file, "backbone.conv1.weight");
  std::vector<float> dst(5);
  mrw_error err{};
  EXPECT_EQ(mrw_tensor_read_f32(w, dst.data(), dst.size(), &err), MRW_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("backbone.conv1.weight"), std::string::npos)
      << err.message;
  EXPECT_EQ(mrw_tensor_read_f32(nullptr, dst.data(), 0, &err), MRW_ERR_INVALID_ARGUMENT);
}

TEST(IoModelFile, ReadRangeTakesAPartOfEitherDtype) {
  const std::vector<uint16_t> halves = {0x3C00, 0xC000, 0x7BFF, 0x0001};  // 1, -2, 65504, 2^-24
  Opened opened(BuildFile({{"backbone.conv1.weight", "F32", {2, 3}, ToBytes(kF32Values)},
                           {"h", "F16", {4}, ToBytes(halves)}}));
  ASSERT_EQ(opened.status, MRW_OK) << opened.err.message;
  const mrw_tensor_view *w = mrw_safetensors_find(opened.file, "backbone.conv1.weight");
  const mrw_tensor_view *h = mrw_safetensors_find(opened.file, "h");
  ASSERT_TRUE(w && h);
  mrw_error err{};
  std::vector<float> part(3);
  ASSERT_EQ(mrw_tensor_read_f32_range(w, 3, 3, part.data(), &err), MRW_OK) << err.message;
  EXPECT_EQ(part, std::vector<float>(kF32Values.begin() + 3, kF32Values.end()));
  ASSERT_EQ(mrw_tensor_read_f32_range(h, 1, 2, part.data(), &err), MRW_OK) << err.message;
  EXPECT_EQ(part[0], -2.0f);
  EXPECT_EQ(part[1], 65504.0f);
  EXPECT_EQ(mrw_tensor_read_f32_range(w, 4, 3, part.data(), &err), MRW_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("elements 4..7, the tensor has 6"), std::string::npos)
      << err.message;
  EXPECT_EQ(mrw_tensor_read_f32_range(w, 7, 0, part.data(), &err), MRW_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mrw_tensor_read_f32_range(w, 6, 0, part.data(), &err), MRW_OK);
}

TEST(IoModelFile, DtypeNames) {
  EXPECT_STREQ(mrw_dtype_name(MRW_DTYPE_F32), "F32");
  EXPECT_STREQ(mrw_dtype_name(MRW_DTYPE_F16), "F16");
  EXPECT_STREQ(mrw_dtype_name(MRW_DTYPE_U8), "U8");
}

TEST(IoModelFile, OpenPath) {
  std::string path = ::testing::TempDir() + "mrw_test_io_model_file.safetensors";
  Bytes bytes = SmallModel();
  FILE *f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  std::fclose(f);
  mrw_safetensors *file = nullptr;
  mrw_error err{};
  ASSERT_EQ(mrw_safetensors_open_path(path.c_str(), &file, &err), MRW_OK) << err.message;
  EXPECT_EQ(mrw_safetensors_tensor_count(file), 2u);
  EXPECT_STREQ(mrw_safetensors_metadata(file, "format"), "maskrcnn-wasm");
  mrw_safetensors_free(file);

  // A bad file's message names the path and the problem.
  bytes.resize(bytes.size() - 1);
  f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  std::fclose(f);
  file = nullptr;
  EXPECT_EQ(mrw_safetensors_open_path(path.c_str(), &file, &err), MRW_ERR_BAD_MODEL);
  EXPECT_EQ(file, nullptr);
  EXPECT_NE(std::string(err.message).find(path), std::string::npos) << err.message;
  EXPECT_NE(std::string(err.message).find("past the end"), std::string::npos) << err.message;
  std::remove(path.c_str());
}

TEST(IoModelFile, OpenPathRefusesMissingFile) {
  std::string path = ::testing::TempDir() + "mrw_no_such_model.safetensors";
  mrw_safetensors *file = nullptr;
  mrw_error err{};
  EXPECT_EQ(mrw_safetensors_open_path(path.c_str(), &file, &err), MRW_ERR_IO);
  EXPECT_EQ(file, nullptr);
  EXPECT_NE(std::string(err.message).find(path), std::string::npos) << err.message;
  EXPECT_NE(std::string(err.message).find("cannot open"), std::string::npos) << err.message;
}

TEST(IoModelFile, OpenPathRefusesDirectory) {
  std::string path = ::testing::TempDir();
  mrw_safetensors *file = nullptr;
  mrw_error err{};
  EXPECT_EQ(mrw_safetensors_open_path(path.c_str(), &file, &err), MRW_ERR_IO) << err.message;
  EXPECT_EQ(file, nullptr);
  EXPECT_NE(std::string(err.message).find(path), std::string::npos) << err.message;
}

TEST(IoModelFile, RefusesMissingArguments) {
  mrw_safetensors *file = nullptr;
  mrw_error err{};
  EXPECT_EQ(mrw_safetensors_open_memory(nullptr, 10, &file, &err), MRW_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mrw_safetensors_open_memory("x", 1, nullptr, &err), MRW_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mrw_safetensors_open_path(nullptr, &file, &err), MRW_ERR_INVALID_ARGUMENT);
}

// ---- gzip ----

#ifdef MRW_HAVE_ZLIB

TEST(IoModelFileGzip, RoundTrip) {
  Opened opened(Gzip(SmallModel()));
  ASSERT_EQ(opened.status, MRW_OK) << opened.err.message;
  const mrw_tensor_view *w = mrw_safetensors_find(opened.file, "backbone.conv1.weight");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(w->data) % 16, 0u);
  EXPECT_EQ(ReadAll(w), kF32Values);
  EXPECT_STREQ(mrw_safetensors_metadata(opened.file, "format"), "maskrcnn-wasm");
}

TEST(IoModelFileGzip, LargerThanFirstGuess) {
  // Highly compressible: the output buffer must grow several times.
  std::vector<float> zeros(1 << 20, 0.0f);
  zeros.back() = 9.0f;
  Opened opened(Gzip(BuildFile({{"z", "F32", {1 << 20}, ToBytes(zeros)}})));
  ASSERT_EQ(opened.status, MRW_OK) << opened.err.message;
  EXPECT_EQ(ReadAll(mrw_safetensors_find(opened.file, "z")), zeros);
}

TEST(IoModelFileGzip, RefusesCorruptData) {
  Bytes gz = Gzip(SmallModel());
  gz[gz.size() / 2] ^= 0xFF;
  EXPECT_TRUE(Refused(gz, MRW_ERR_BAD_MODEL, {"gzip: corrupt data ("}));
  Bytes bad_checksum = Gzip(SmallModel());
  bad_checksum[bad_checksum.size() - 6] ^= 0x01;  // inside the CRC-32 of the trailer
  EXPECT_TRUE(Refused(bad_checksum, MRW_ERR_BAD_MODEL, {"gzip: corrupt data", "check"}));
  EXPECT_TRUE(Refused({0x1F, 0x8B, 0x00, 0x00}, MRW_ERR_BAD_MODEL, {"gzip: corrupt data"}));
}

TEST(IoModelFileGzip, RefusesTruncatedData) {
  Bytes gz = Gzip(SmallModel());
  for (size_t keep : {gz.size() - 1, gz.size() / 2, size_t{10}, size_t{2}}) {
    Bytes cut(gz.begin(), gz.begin() + static_cast<long>(keep));
    EXPECT_TRUE(Refused(cut, MRW_ERR_BAD_MODEL, {"gzip: truncated"})) << keep;
  }
}

TEST(IoModelFileGzip, RefusesTrailingBytes) {
  Bytes gz = Gzip(SmallModel());
  gz.push_back(0);
  EXPECT_TRUE(Refused(gz, MRW_ERR_BAD_MODEL, {"gzip: 1 unexpected bytes after"}));
}

TEST(IoModelFileGzip, ValidatesTheInflatedFile) {
  Bytes bad = SmallModel();
  bad.resize(bad.size() - 2);
  EXPECT_TRUE(Refused(Gzip(bad), MRW_ERR_BAD_MODEL, {"past the end of the data buffer"}));
  EXPECT_TRUE(Refused(Gzip({}), MRW_ERR_BAD_MODEL, {"empty file"}));
}

#else

TEST(IoModelFileGzip, UnsupportedWithoutZlib) {
  EXPECT_TRUE(
      Refused({0x1F, 0x8B, 0x08, 0x00, 0x00}, MRW_ERR_UNSUPPORTED,
              {"gzip-compressed model: decompress before loading (this build has no zlib)"}));
}

#endif

// ---- refusals: one test per rule ----

TEST(IoModelFileRefuses, EmptyFile) { EXPECT_TRUE(Refused({}, MRW_ERR_BAD_MODEL, {"empty file"})); }

TEST(IoModelFileRefuses, TruncatedLengthPrefix) {
  EXPECT_TRUE(Refused({2, 0, 0, 0, 0}, MRW_ERR_BAD_MODEL, {"truncated", "5 bytes"}));
}

TEST(IoModelFileRefuses, TruncatedHeader) {
  Bytes file = SmallModel();
  file.resize(20);
  EXPECT_TRUE(Refused(file, MRW_ERR_BAD_MODEL, {"truncated", "only 12 bytes follow"}));
}

TEST(IoModelFileRefuses, TruncatedData) {
  Bytes file = SmallModel();
  file.resize(file.size() - 1);
  EXPECT_TRUE(Refused(file, MRW_ERR_BAD_MODEL, {"tensor 'mask'", "past the end", "truncated"}));
}

TEST(IoModelFileRefuses, HeaderLengthTooBig) {
  Bytes file = WithHeader("{}", {});
  const uint64_t huge = 200000000;
  for (int i = 0; i < 8; i++) file[i] = static_cast<uint8_t>(huge >> (8 * i));
  EXPECT_TRUE(Refused(file, MRW_ERR_BAD_MODEL, {"header length 200000000", "exceeds the limit"}));
  std::fill(file.begin(), file.begin() + 8, 0xFF);
  EXPECT_TRUE(Refused(file, MRW_ERR_BAD_MODEL, {"header length", "exceeds the limit"}));
}

TEST(IoModelFileRefuses, InvalidJson) {
  EXPECT_TRUE(RefusedHeader("{\"a\":", 0, {"header: JSON: unexpected end of input"}));
  EXPECT_TRUE(RefusedHeader("[]", 0, {"header: expected a JSON object"}));
}

TEST(IoModelFileRefuses, NonUtf8Header) {
  std::string header = "{\"bad\xFFname\":" + Entry("U8", {1}, 0, 1) + "}";
  EXPECT_TRUE(RefusedHeader(header, 1, {"header: JSON: invalid UTF-8 at byte 5"}));
}

TEST(IoModelFileRefuses, DuplicateName) {
  std::string header =
      "{\"w\":" + Entry("U8", {1}, 0, 1) + ",\"w\":" + Entry("U8", {1}, 1, 2) + "}";
  EXPECT_TRUE(RefusedHeader(header, 2, {"duplicate key 'w'"}));
}

TEST(IoModelFileRefuses, EmptyName) {
  EXPECT_TRUE(RefusedHeader("{\"\":" + Entry("U8", {1}, 0, 1) + "}", 1, {"empty name"}));
}

TEST(IoModelFileRefuses, Overlap) {
  std::string header =
      "{\"a\":" + Entry("U8", {4}, 0, 4) + ",\"b\":" + Entry("U8", {4}, 2, 6) + "}";
  EXPECT_TRUE(RefusedHeader(header, 6, {"tensors 'a' and 'b' overlap"}));
  std::string same = "{\"a\":" + Entry("U8", {4}, 0, 4) + ",\"b\":" + Entry("U8", {4}, 0, 4) + "}";
  EXPECT_TRUE(RefusedHeader(same, 4, {"overlap"}));
}

TEST(IoModelFileRefuses, Gap) {
  std::string header =
      "{\"a\":" + Entry("U8", {2}, 0, 2) + ",\"b\":" + Entry("U8", {2}, 3, 5) + "}";
  EXPECT_TRUE(RefusedHeader(header, 5, {"gap", "[2, 3)", "tensor 'b'"}));
  std::string leading = "{\"b\":" + Entry("U8", {2}, 1, 3) + "}";
  EXPECT_TRUE(RefusedHeader(leading, 3, {"gap", "[0, 1)"}));
  std::string trailing = "{\"a\":" + Entry("U8", {2}, 0, 2) + "}";
  EXPECT_TRUE(RefusedHeader(trailing, 4, {"gap", "[2, 4)", "at its end"}));
}

TEST(IoModelFileRefuses, SizeMismatch) {
  std::string header = "{\"w\":" + Entry("F32", {2, 3}, 0, 20) + "}";
  EXPECT_TRUE(
      RefusedHeader(header, 20, {"tensor 'w'", "size mismatch", "6 F32 elements", "20 bytes"}));
  std::string f16 = "{\"h\":" + Entry("F16", {3}, 0, 3) + "}";
  EXPECT_TRUE(RefusedHeader(f16, 3, {"tensor 'h'", "size mismatch"}));
}

TEST(IoModelFileRefuses, UnsupportedDtype) {
  std::string header = "{\"x\":" + Entry("BF16", {2}, 0, 4) + "}";
  EXPECT_TRUE(
      RefusedHeader(header, 4, {"tensor 'x': unsupported dtype 'BF16'"}, MRW_ERR_UNSUPPORTED));
  std::string lower = "{\"x\":" + Entry("f32", {1}, 0, 4) + "}";
  EXPECT_TRUE(RefusedHeader(lower, 4, {"unsupported dtype 'f32'"}, MRW_ERR_UNSUPPORTED));
  std::string not_string = "{\"x\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}";
  EXPECT_TRUE(RefusedHeader(not_string, 4, {"tensor 'x': dtype must be a string"}));
}

TEST(IoModelFileRefuses, NegativeDimension) {
  std::string header = "{\"x\":" + Entry("U8", {2, -1}, 0, 0) + "}";
  EXPECT_TRUE(RefusedHeader(header, 0, {"tensor 'x'", "shape[1] is negative"}));
}

TEST(IoModelFileRefuses, NonIntegerDimension) {
  std::string header = "{\"x\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,1]}}";
  EXPECT_TRUE(RefusedHeader(header, 1, {"shape[0] is not an integer"}));
  std::string text = "{\"x\":{\"dtype\":\"U8\",\"shape\":[\"1\"],\"data_offsets\":[0,1]}}";
  EXPECT_TRUE(RefusedHeader(text, 1, {"shape[0] must be a number"}));
  std::string not_array = "{\"x\":{\"dtype\":\"U8\",\"shape\":1,\"data_offsets\":[0,1]}}";
  EXPECT_TRUE(RefusedHeader(not_array, 1, {"shape must be an array"}));
}

TEST(IoModelFileRefuses, DimensionTooLarge) {
  std::string header = "{\"x\":" + Entry("U8", {(int64_t{1} << 40) + 1}, 0, 0) + "}";
  EXPECT_TRUE(RefusedHeader(header, 0, {"shape[0] = 1099511627777 exceeds the limit"}));
}

TEST(IoModelFileRefuses, ElementCountOverflow) {
  int64_t big = int64_t{1} << 40;
  std::string header = "{\"x\":" + Entry("U8", {big, big}, 0, 0) + "}";
  EXPECT_TRUE(RefusedHeader(header, 0, {"tensor 'x'", "too many elements"}));
  // Fits in 64 bits as elements, overflows as bytes.
  std::string bytes = "{\"x\":" + Entry("F32", {big, big >> 18}, 0, 0) + "}";
  EXPECT_TRUE(RefusedHeader(bytes, 0, {"tensor 'x'", "size mismatch"}));
}

TEST(IoModelFileRefuses, TooManyDimensions) {
  std::string header = "{\"x\":" + Entry("U8", {1, 1, 1, 1, 1, 1, 1, 1, 1}, 0, 1) + "}";
  EXPECT_TRUE(RefusedHeader(header, 1, {"tensor 'x'", "9 dimensions"}));
}

TEST(IoModelFileRefuses, OffsetPastEnd) {
  std::string header = "{\"x\":" + Entry("U8", {8}, 0, 8) + "}";
  EXPECT_TRUE(RefusedHeader(header, 4,
                            {"tensor 'x'", "end 8 is past the end of the data buffer (4 bytes"}));
  std::string huge = "{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1e300]}}";
  EXPECT_TRUE(RefusedHeader(huge, 1, {"data_offsets[1]", "exceeds the limit"}));
}

TEST(IoModelFileRefuses, MalformedOffsets) {
  EXPECT_TRUE(
      RefusedHeader("{\"x\":" + Entry("U8", {0}, 3, 2) + "}", 3, {"begin 3 is after end 2"}));
  std::string one = "{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0]}}";
  EXPECT_TRUE(RefusedHeader(one, 1, {"data_offsets must be [begin, end]"}));
  std::string negative = "{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[-1,0]}}";
  EXPECT_TRUE(RefusedHeader(negative, 1, {"data_offsets[0] is negative"}));
  std::string fraction = "{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,0.5]}}";
  EXPECT_TRUE(RefusedHeader(fraction, 1, {"data_offsets[1] is not an integer"}));
}

TEST(IoModelFileRefuses, WrongEntryKeys) {
  std::string extra = "{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"more\":1}}";
  EXPECT_TRUE(RefusedHeader(extra, 1, {"tensor 'x'", "unexpected key 'more'"}));
  std::string missing = "{\"x\":{\"dtype\":\"U8\",\"data_offsets\":[0,1]}}";
  EXPECT_TRUE(RefusedHeader(missing, 1, {"tensor 'x'", "missing 'shape'"}));
  EXPECT_TRUE(RefusedHeader("{\"x\":[1]}", 0, {"tensor 'x'", "entry must be an object"}));
}

TEST(IoModelFileRefuses, NonStringMetadata) {
  std::string header = "{\"__metadata__\":{\"format\":\"mrw\",\"version\":2}}";
  EXPECT_TRUE(RefusedHeader(header, 0, {"__metadata__", "'version' must be a string"}));
  EXPECT_TRUE(RefusedHeader("{\"__metadata__\":[\"a\"]}", 0, {"__metadata__ must be an object"}));
}

// ---- a file written in parts ----

namespace {

size_t HeaderLength(const Bytes &file) {
  size_t n = 0;
  for (int i = 7; i >= 0; i--) n = n << 8 | file[i];
  return n;
}

// Every kind of tensor, in an order unlike the header's, with an empty one and a scalar.
Bytes EveryKindOfTensor() {
  std::vector<float> big(1000);
  for (size_t i = 0; i < big.size(); i++) big[i] = static_cast<float>(i) * 0.5f - 7.0f;
  return BuildFile({{"b.big", "F32", {10, 100}, ToBytes(big)},
                    {"a.half", "F16", {3}, ToBytes(std::vector<uint16_t>{0x3C00, 0xC000, 0x3555})},
                    {"a.empty", "F32", {0, 4}, {}},
                    {"c.q", "I8", {2, 3}, {1, 0xFF, 127, 0x81, 4, 0}},
                    {"c.q.int8_scales", "F32", {2}, ToBytes(std::vector<float>{0.5f, 0.25f})},
                    {"a.scalar", "U8", {}, {9}}},
                   {{"format", "maskrcnn-wasm"}});
}

}  // namespace

TEST(IoModelFileStream, AnySplitReadsAsTheWholeFile) {
  Bytes bytes = EveryKindOfTensor();
  Opened whole(bytes);
  ASSERT_EQ(whole.status, MRW_OK) << whole.err.message;
  for (size_t part : kParts) {
    Streamed streamed(bytes, part);
    ASSERT_EQ(streamed.status, MRW_OK) << part << ": " << streamed.err.message;
    ASSERT_EQ(mrw_safetensors_tensor_count(streamed.file), mrw_safetensors_tensor_count(whole.file));
    for (size_t i = 0; i < mrw_safetensors_tensor_count(whole.file); i++) {
      const mrw_tensor_view *a = mrw_safetensors_tensor_at(whole.file, i);
      const mrw_tensor_view *b = mrw_safetensors_tensor_at(streamed.file, i);
      EXPECT_STREQ(a->name, b->name);
      EXPECT_EQ(a->dtype, b->dtype);
      ASSERT_EQ(a->ndim, b->ndim);
      for (int d = 0; d < a->ndim; d++) EXPECT_EQ(a->shape[d], b->shape[d]);
      ASSERT_EQ(a->nbytes, b->nbytes) << a->name;
      EXPECT_EQ(reinterpret_cast<uintptr_t>(b->data) % 16, 0u) << a->name;
      EXPECT_EQ(std::memcmp(a->data, b->data, a->nbytes), 0) << a->name << " in parts of " << part;
      if (a->nbytes) {
        EXPECT_NE(a->data, b->data);
      }
      EXPECT_EQ(ReadAll(a), ReadAll(b)) << a->name;
    }
    EXPECT_STREQ(mrw_safetensors_metadata(streamed.file, "format"), "maskrcnn-wasm");
  }
}

TEST(IoModelFileStream, GzipAndUnknownLengthsAreGatheredWhole) {
  // a header that is not an object cannot tell the length: the whole reader names it
  EXPECT_TRUE(Refused(WithHeader("[1, 2]", {0, 0}), MRW_ERR_BAD_MODEL, {"expected a JSON object"}));
#ifdef MRW_HAVE_ZLIB
  Bytes bytes = EveryKindOfTensor();
  for (size_t part : kParts) {
    Streamed streamed(Gzip(bytes), part);
    ASSERT_EQ(streamed.status, MRW_OK) << streamed.err.message;
    EXPECT_EQ(ReadAll(mrw_safetensors_find(streamed.file, "b.big")),
              ReadAll(mrw_safetensors_find(Opened(bytes).file, "b.big")));
  }
#endif
}

TEST(IoModelFileStream, CutShortOrGoingOnIsRefusedAtTheEnd) {
  Bytes bytes = EveryKindOfTensor();
  Bytes longer = bytes;
  longer.push_back(0);
  EXPECT_TRUE(Refused(longer, MRW_ERR_BAD_MODEL, {"gap in the data buffer", "at its end"}));
  for (size_t cut : {bytes.size() - 1, bytes.size() - 40, HeaderLength(bytes) + 8}) {
    Bytes shorter(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_TRUE(Refused(shorter, MRW_ERR_BAD_MODEL, {"past the end", "truncated"})) << cut;
  }
}

TEST(IoModelFileStream, ReleaseFreesATensorsBytesByPrefix) {
  Bytes bytes = EveryKindOfTensor();
  Streamed streamed(bytes, 5);
  ASSERT_EQ(streamed.status, MRW_OK) << streamed.err.message;
  mrw_safetensors_release(streamed.file, "a.");
  EXPECT_EQ(mrw_safetensors_find(streamed.file, "a.half"), nullptr);
  EXPECT_EQ(mrw_safetensors_find(streamed.file, "a.scalar"), nullptr);
  ASSERT_NE(mrw_safetensors_find(streamed.file, "b.big"), nullptr);
  EXPECT_EQ(ReadAll(mrw_safetensors_find(streamed.file, "b.big"))[3], -5.5f);
  mrw_safetensors_release(streamed.file, "a."); /* again: nothing more to free */
  mrw_safetensors_release(streamed.file, "c.q");
  EXPECT_EQ(mrw_safetensors_find(streamed.file, "c.q"), nullptr);
  EXPECT_EQ(mrw_safetensors_find(streamed.file, "c.q.int8_scales"), nullptr);
  // a file read whole from memory keeps its tensors
  Opened whole(bytes);
  mrw_safetensors_release(whole.file, "a.");
  EXPECT_NE(mrw_safetensors_find(whole.file, "a.half"), nullptr);
}

TEST(IoModelFileStream, TakeBlockHandsOverATensorsBytesOnlyWhenOffered) {
  Bytes bytes = EveryKindOfTensor();
  std::vector<float> expected = ReadAll(mrw_safetensors_find(Opened(bytes).file, "b.big"));
  Streamed streamed(bytes, 7);
  ASSERT_EQ(streamed.status, MRW_OK) << streamed.err.message;
  const mrw_tensor_view *big = mrw_safetensors_find(streamed.file, "b.big");
  ASSERT_NE(big, nullptr);
  // not offered: the file keeps its blocks
  EXPECT_EQ(mrw_safetensors_take_block(streamed.file, big, 16), nullptr);
  mrw_safetensors_offer_blocks(streamed.file);
  // more than the block holds (1000 floats, rounded up to the alignment): kept
  size_t rounded = (4000 + MRW_MODEL_FILE_ALIGNMENT - 1) / MRW_MODEL_FILE_ALIGNMENT *
                   MRW_MODEL_FILE_ALIGNMENT;
  EXPECT_EQ(mrw_safetensors_take_block(streamed.file, big, rounded + 1), nullptr);
  ASSERT_EQ(mrw_safetensors_find(streamed.file, "b.big"), big);
  auto *block = static_cast<float *>(mrw_safetensors_take_block(streamed.file, big, rounded));
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(std::vector<float>(block, block + 1000), expected);
  block[999] = 1.0f; /* the caller's now, to write and to free */
  free(block);
  EXPECT_EQ(mrw_safetensors_find(streamed.file, "b.big"), nullptr);
  EXPECT_EQ(mrw_safetensors_take_block(streamed.file, big, 16), nullptr);
  EXPECT_NE(mrw_safetensors_find(streamed.file, "a.half"), nullptr);
  // a file read whole from memory has no blocks to give
  Opened whole(bytes);
  mrw_safetensors_offer_blocks(whole.file);
  const mrw_tensor_view *kept = mrw_safetensors_find(whole.file, "b.big");
  EXPECT_EQ(mrw_safetensors_take_block(whole.file, kept, 16), nullptr);
  EXPECT_EQ(mrw_safetensors_find(whole.file, "b.big"), kept);
}

TEST(IoModelFileStream, WritesAfterAProblemDoNothing) {
  mrw_error err{};
  EXPECT_EQ(mrw_safetensors_stream_write(nullptr, "x", 1, &err), MRW_ERR_INVALID_ARGUMENT);
  mrw_safetensors_stream *stream = mrw_safetensors_stream_begin();
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(mrw_safetensors_stream_write(stream, nullptr, 3, &err), MRW_ERR_INVALID_ARGUMENT);
  mrw_safetensors_stream_free(stream);
  mrw_safetensors *file = nullptr;
  stream = mrw_safetensors_stream_begin();
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(mrw_safetensors_stream_finish(stream, &file, &err), MRW_ERR_BAD_MODEL);
  EXPECT_STREQ(err.message, "empty file");
  EXPECT_EQ(file, nullptr);
}

TEST(IoModelFileStream, TheDataEndsWhereTheLargestOffsetSays) {
  // data_offsets listed out of order, a padded header with metadata, and a header with no tensor
  std::string header = "{\"b\":" + Entry("U8", {5}, 3, 8) + ",\"a\":" + Entry("U8", {3}, 0, 3) +
                       ",\"__metadata__\":{\"k\":\"v\"}}   ";
  for (const Bytes &bytes : {WithHeader(header, {1, 2, 3, 4, 5, 6, 7, 8}), WithHeader("{}", {})}) {
    for (size_t part : kParts) {
      Streamed streamed(bytes, part);
      ASSERT_EQ(streamed.status, MRW_OK) << part << ": " << streamed.err.message;
      EXPECT_EQ(mrw_safetensors_tensor_count(streamed.file), bytes.size() > 10 ? 2u : 0u);
    }
  }
  Streamed streamed(WithHeader(header, {1, 2, 3, 4, 5, 6, 7, 8}), 1);
  EXPECT_EQ(ReadAll(mrw_safetensors_find(streamed.file, "b")),
            (std::vector<float>{4.0f, 5.0f, 6.0f, 7.0f, 8.0f}));
}

TEST(IoModelFileStream, AHeaderThatCannotTellTheLengthGetsTheWholeReadersMessage) {
  std::vector<std::string> headers = {
      "{\"a\":",                                                     // JSON cut short
      "[]",                                                          // not an object
      "{\"x\":[1]}",                                                 // entry not an object
      "{\"x\":{\"dtype\":\"U8\",\"shape\":[1]}}",                    // no data_offsets
      "{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0]}}",  // one offset
      "{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,0.5]}}",
      "{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,-1]}}",
      "{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,\"1\"]}}",
      "{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1e300]}}",
  };
  for (const std::string &header : headers)
    EXPECT_TRUE(Refused(WithHeader(header, Bytes(4, 0)), MRW_ERR_BAD_MODEL, {})) << header;
  Bytes huge = WithHeader("{}", {});
  const uint64_t too_long = 200000000;
  for (int i = 0; i < 8; i++) huge[i] = static_cast<uint8_t>(too_long >> (8 * i));
  EXPECT_TRUE(Refused(huge, MRW_ERR_BAD_MODEL, {"exceeds the limit"}));
}
