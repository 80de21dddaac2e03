#include "support/fixtures.h"

#include <cstring>

std::string fixture_path(const std::string &name) { return std::string(MRW_FIXTURE_DIR) + "/" + name; }

ModelFilePtr open_fixture(const std::string &name) {
  mrw_safetensors *file = nullptr;
  mrw_error err{};
  std::string path = fixture_path(name);
  if (mrw_safetensors_open_path(path.c_str(), &file, &err) != MRW_OK) {
    ADD_FAILURE() << "cannot open fixture " << path << ": " << err.message
                  << "\n(make it with: /usr/bin/python3 models/make_fixtures.py "
                  << MRW_FIXTURE_DIR << ")";
    return nullptr;
  }
  return ModelFilePtr(file);
}

FixtureTensor read_fixture_tensor(const mrw_safetensors *file, const std::string &name) {
  FixtureTensor t;
  const mrw_tensor_view *view = mrw_safetensors_find(file, name.c_str());
  if (!view) {
    ADD_FAILURE() << "fixture tensor '" << name << "' is missing";
    return t;
  }
  t.shape.assign(view->shape, view->shape + view->ndim);
  t.values.resize(view->count);
  mrw_error err{};
  if (mrw_tensor_read_f32(view, t.values.data(), view->count, &err) != MRW_OK) {
    ADD_FAILURE() << "reading fixture tensor '" << name << "': " << err.message;
    t.values.clear();
  }
  return t;
}

bool parse_model_config(const mrw_safetensors *file, mrw_config *config) {
  const char *json = mrw_safetensors_metadata(file, "config");
  if (!json) {
    ADD_FAILURE() << "model file has no config";
    return false;
  }
  mrw_error err{};
  if (mrw_config_parse(json, std::strlen(json), config, &err) != MRW_OK) {
    ADD_FAILURE() << "model config: " << err.message;
    return false;
  }
  return true;
}
