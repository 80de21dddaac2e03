// The parity rules with torchvision, read from tests/parity_rules.json: the one place they
// are stated (the C++ tests and bench/compare.mjs read the same file; its "rule" texts say
// what each number means).
import { readFileSync } from 'node:fs';

export const PARITY_RULES_FILE = new URL('../../tests/parity_rules.json', import.meta.url);

const RULES = [
  ['detections', 'box_iou_min'], ['detections', 'score_diff_max'], ['detections', 'mask_iou_min'],
  ['int8_detections', 'box_iou_min'], ['int8_detections', 'score_diff_max'], ['int8_detections', 'mask_iou_min'],
  ['stages', 'input_relative'], ['stages', 'feature_relative'], ['stages', 'mask_probability_absolute'],
  ['stages', 'proposals', 'same_box_iou_min'], ['stages', 'proposals', 'score_tie'],
  ['stages', 'proposals', 'in_order_fraction_min'],
];

/** The rules of the file's JSON text; throws naming the first rule that is missing or not a
 * number in (0, 1]. */
export function parseParityRules(text) {
  const rules = JSON.parse(text);
  for (const path of RULES) {
    const value = path.reduce((node, key) => node?.[key], rules);
    if (!(typeof value === 'number' && value > 0 && value <= 1)) {
      throw new Error(`parity rules: ${path.join('.')} is missing or not a number in (0, 1]`);
    }
  }
  return rules;
}

/** The repository's rules: { detections: { box_iou_min, score_diff_max, mask_iou_min }, int8_detections, stages }. */
export const PARITY_RULES = parseParityRules(readFileSync(PARITY_RULES_FILE, 'utf8'));
