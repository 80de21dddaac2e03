#ifndef MRW_TESTS_FIXTURES_H
#define MRW_TESTS_FIXTURES_H

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

extern "C" {
#include "io/safetensors.h"
#include "model/config.h"
}

// Reference fixtures written by models/make_fixtures.py with torchvision. A missing fixture
// fails the test with the command that makes it: parity is never skipped.
std::string fixture_path(const std::string &name);

struct ModelFileDeleter {
  void operator()(mrw_safetensors *f) const { mrw_safetensors_free(f); }
};
using ModelFilePtr = std::unique_ptr<mrw_safetensors, ModelFileDeleter>;

// Opens a fixture file; on failure records a test failure and returns nullptr.
ModelFilePtr open_fixture(const std::string &name);

// A tensor of the file as floats with its shape; empty (and a test failure) if absent.
struct FixtureTensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
};
FixtureTensor read_fixture_tensor(const mrw_safetensors *file, const std::string &name);

// The configuration a model file carries; a test failure (and false) when it has none or it
// does not parse. The caller frees it with mrw_config_free.
bool parse_model_config(const mrw_safetensors *file, mrw_config *config);

#endif
