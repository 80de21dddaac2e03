// The comparison of two lists of detections by the "detections" rule of
// tests/parity_rules.json, shared by the parity tests and bench/compare.mjs (and written the
// same way in C++, tests/support/detection_parity.cc). A detection is { label, score, box }
// with box [x1, y1, x2, y2].

export function boxIou(a, b) {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : Number(inter === 0 && [0, 1, 2, 3].every((k) => a[k] === b[k]));
}

/** Where the reference stopped keeping detections: its score threshold, or the lowest score
 * it kept when it returned exactly detectionsPerImg of them (the cap binds). */
export function detectionCut(reference, scoreThreshold, detectionsPerImg) {
  if (reference.length === 0 || reference.length !== detectionsPerImg) return scoreThreshold;
  return Math.min(...reference.map((d) => d.score));
}

const describe = (side, i, d) =>
  `${side} detection ${i} (label ${d.label}, score ${d.score}, box ${Array.from(d.box).join(', ')})`;

/**
 * Each reference detection, in order, takes the unused detection of ours with the same label
 * and the highest box IoU, if that is at least rules.box_iou_min; a pair must have |score
 * difference| <= rules.score_diff_max and mask IoU (maskIou(i, j) of reference detection i
 * and our detection j) >= rules.mask_iou_min. A detection of either side without a partner
 * is allowed only when its score is within rules.score_diff_max of the cut.
 * Returns { pairs: [{ reference, ours, boxIou, scoreDiff, maskIou }], problems: [string]
 * (none when the two agree), worst: { boxIou, scoreDiff, maskIou } }.
 */
export function compareDetections(reference, ours, cut, rules, maskIou) {
  const pairs = [];
  const problems = [];
  const worst = { boxIou: 1, scoreDiff: 0, maskIou: 1 };
  const unpaired = (side, i, d) => {
    if (Math.abs(d.score - cut) <= rules.score_diff_max) return;
    problems.push(`${describe(side, i, d)} has no partner, and its score is not within ${rules.score_diff_max} of the cut ${cut}`);
  };
  const taken = new Array(ours.length).fill(false);
  reference.forEach((ref, i) => {
    let best = -1;
    let bestIou = 0;
    ours.forEach((o, j) => {
      if (taken[j] || o.label !== ref.label) return;
      const iou = boxIou(ref.box, o.box);
      if (iou >= rules.box_iou_min && (best < 0 || iou > bestIou)) [best, bestIou] = [j, iou];
    });
    if (best < 0) {
      unpaired('reference', i, ref);
      return;
    }
    taken[best] = true;
    const pair = { reference: i, ours: best, boxIou: bestIou, scoreDiff: Math.abs(ours[best].score - ref.score), maskIou: maskIou(i, best) };
    pairs.push(pair);
    worst.boxIou = Math.min(worst.boxIou, pair.boxIou);
    worst.scoreDiff = Math.max(worst.scoreDiff, pair.scoreDiff);
    worst.maskIou = Math.min(worst.maskIou, pair.maskIou);
    const issues = [];
    if (!(pair.scoreDiff <= rules.score_diff_max)) issues.push(`score ${ours[best].score} differs by more than ${rules.score_diff_max}`);
    if (!(pair.maskIou >= rules.mask_iou_min)) issues.push(`mask IoU ${pair.maskIou} is below ${rules.mask_iou_min}`);
    if (issues.length) problems.push(`${describe('reference', i, ref)} and our detection ${best}: ${issues.join('; ')}`);
  });
  ours.forEach((o, j) => {
    if (!taken[j]) unpaired('our', j, o);
  });
  return { pairs, problems, worst };
}
