#include "support/parity_rules.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

extern "C" {
#include "io/json.h"
}

namespace {

// The number at a path of keys ("detections", "box_iou_min"), or NaN with a message.
double rule_at(const mrw_json *root, std::initializer_list<const char *> path, std::string *error) {
  const mrw_json *v = root;
  std::string name;
  for (const char *key : path) {
    v = mrw_json_get(v, key);
    name += name.empty() ? key : std::string(".") + key;
  }
  double x = mrw_json_number(v);
  if (mrw_json_type_of(v) != MRW_JSON_NUMBER || !(x > 0.0 && x <= 1.0)) {
    if (error->empty()) *error = "rule " + name + " is missing or not a number in (0, 1]";
    return NAN;
  }
  return x;
}

}  // namespace

bool parse_parity_rules(const std::string &text, ParityRules *rules, std::string *error) {
  error->clear();
  mrw_json *root = nullptr;
  mrw_error err{};
  if (mrw_json_parse(text.data(), text.size(), &root, &err) != MRW_OK) {
    *error = err.message;
    return false;
  }
  for (const char *block : {"detections", "int8_detections"}) {
    DetectionRules &d = std::string(block) == "detections" ? rules->detections : rules->int8_detections;
    d.box_iou_min = rule_at(root, {block, "box_iou_min"}, error);
    d.score_diff_max = rule_at(root, {block, "score_diff_max"}, error);
    d.mask_iou_min = rule_at(root, {block, "mask_iou_min"}, error);
  }
  StageRules &s = rules->stages;
  s.input_relative = rule_at(root, {"stages", "input_relative"}, error);
  s.feature_relative = rule_at(root, {"stages", "feature_relative"}, error);
  s.mask_probability_absolute = rule_at(root, {"stages", "mask_probability_absolute"}, error);
  ProposalRules &p = s.proposals;
  p.same_box_iou_min = rule_at(root, {"stages", "proposals", "same_box_iou_min"}, error);
  p.score_tie = rule_at(root, {"stages", "proposals", "score_tie"}, error);
  p.in_order_fraction_min = rule_at(root, {"stages", "proposals", "in_order_fraction_min"}, error);
  mrw_json_free(root);
  return error->empty();
}

const ParityRules &parity_rules() {
  static std::string error;
  static const ParityRules rules = [] {
    ParityRules r{};
    std::ifstream file(MRW_PARITY_RULES);
    std::stringstream text;
    if (file) text << file.rdbuf();
    if (!file) error = "cannot read it";
    else parse_parity_rules(text.str(), &r, &error);
    if (!error.empty()) r = ParityRules{{NAN, NAN, NAN}, {NAN, NAN, NAN}, {NAN, NAN, NAN, {NAN, NAN, NAN}}};
    return r;
  }();
  if (!error.empty()) ADD_FAILURE() << "parity rules " << MRW_PARITY_RULES << ": " << error;
  return rules;
}
