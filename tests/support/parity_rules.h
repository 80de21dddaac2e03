#ifndef MRW_TESTS_PARITY_RULES_H
#define MRW_TESTS_PARITY_RULES_H

#include <string>

// The parity rules with torchvision, as tests/parity_rules.json states them (the one place
// they are written down; the JavaScript tests and the benchmark read the same file). The
// file's "rule" texts say what each number means.
struct DetectionRules {
  double box_iou_min, score_diff_max, mask_iou_min;
};
struct ProposalRules {
  double same_box_iou_min, score_tie, in_order_fraction_min;
};
struct StageRules {
  double input_relative, feature_relative, mask_probability_absolute;
  ProposalRules proposals;
};
struct ParityRules {
  DetectionRules detections;
  DetectionRules int8_detections;  // a model whose int8 layers run in integers
  StageRules stages;
};

// Parses the file's text: false with a message when it is not JSON or a rule is missing or
// not a number in (0, 1].
bool parse_parity_rules(const std::string &text, ParityRules *rules, std::string *error);

// The rules of tests/parity_rules.json, read once. When the file cannot be read or parsed,
// every call records a test failure and every rule is NaN, which no comparison passes.
const ParityRules &parity_rules();

#endif
