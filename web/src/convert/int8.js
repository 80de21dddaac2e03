// int8 weights as models/model_file.py's quantize_int8 makes them: per output channel (first
// dimension), symmetric, scale = max |row| / 127 in float32 (1 for a row of zeros), q =
// round(w / scale) to nearest with ties to even, clipped to [-127, 127]; and which weights
// convert.py --int8 quantizes.

// Stay float: the first convolution (it sees the raw pixels), the predictors (scores, box
// deltas and mask logits come straight out of them; the mask predictor's transposed
// convolution goes int8); depthwise convolutions and squeeze-excitation are skipped below.
const KEPT_FLOAT = ['backbone.body.conv1.', 'backbone.body.0.0.', 'roi_heads.box_predictor.',
  'roi_heads.mask_predictor.mask_fcn_logits.', 'rpn.head.cls_logits.', 'rpn.head.bbox_pred.'];

/** The names of the weights --int8 stores as I8 (tensors: Map name -> { shape }). */
export function int8WeightNames(tensors) {
  const names = [];
  for (const [name, { shape }] of tensors) {
    if (!name.endsWith('.weight') || shape.length < 2 || KEPT_FLOAT.some((p) => name.startsWith(p))) continue;
    if ((shape.length === 4 && shape[1] === 1) || name.includes('.fc1.') || name.includes('.fc2.')) continue;
    names.push(name);
  }
  return names;
}

function roundHalfEven(x) {
  const r = Math.round(x); // halves go up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** { q: Int8Array, scales: Float32Array } of a float32 weight with rows = shape[0]. */
export function quantizeInt8(values, rows) {
  const cols = rows ? values.length / rows : 0;
  const q = new Int8Array(values.length);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = values.subarray(r * cols, (r + 1) * cols);
    let peak = 0;
    for (let i = 0; i < row.length; i++) peak = Math.max(peak, Math.abs(row[i]));
    const scale = peak > 0 ? Math.fround(peak / 127) : 1;
    scales[r] = scale;
    for (let i = 0; i < row.length; i++) {
      const v = roundHalfEven(Math.fround(row[i] / scale));
      q[r * cols + i] = Math.max(-127, Math.min(127, v));
    }
  }
  return { q, scales };
}
