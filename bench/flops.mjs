// Analytic FLOP count of torchvision's Mask R-CNN (ResNet-FPN) on one image, by stage.
//
// A FLOP is one multiplication or one addition: a multiply-add counts 2. Only the
// convolutions, the transposed convolution and the fully connected layers are counted;
// normalization, ReLU, residual and top-down additions, pooling, upsampling, RoIAlign, box
// decoding, NMS, softmax and paste-back are not (together well under 1 % of the total).
//
//   conv(cin, cout, k, ho, wo)   = 2 * cin * cout * k * k * ho * wo
//   linear(in, out) per row      = 2 * in * out
//   output size of a convolution = floor((size + 2 * pad - k) / stride) + 1
//
// With H x W the padded input (the resized image, padded up to a multiple of 32) and F the FPN
// channels:
//   backbone  ResNet stem (7x7/2, 3 -> 64) and the bottleneck (or basic) blocks, conv2 of a
//             bottleneck carrying the stride, 1x1 strided downsample in each stage's first
//             block. ResNet-50 at 800x1216: 158.5 GFLOP.
//   fpn       per level C2..C5: 1x1 inner (C_i -> F) and 3x3 output (F -> F) convolutions.
//   rpn       per level P2..P6 (P6 = 1x1 max-pool with stride 2 of P5): 3x3 F -> F, 1x1 to
//             A objectness and 4A box deltas (A = number of aspect ratios).
//   boxHead   R proposals (the RPN's post-NMS count: 1000 unless fewer survive) through
//             fc6 (F*7*7 -> rep), fc7 (rep -> rep), cls_score (rep -> C), bbox_pred (rep -> 4C).
//   maskHead  N detections through L 3x3 convolutions at 14x14 (F -> M, then M -> M), the
//             2x2/2 transposed convolution M -> M (14x14 -> 28x28: 2 * M * M * 4 * 14 * 14)
//             and the 1x1 predictor M -> C at 28x28 (all C classes, as torchvision computes).
//   preprocess, paste: no convolutions; 0 here (their GFLOP/s is not shown).
// torch.profiler's count of aten::conv2d + aten::addmm on the same image (bench/export_onnx.py)
// equals backbone + fpn + rpn + boxHead + maskHead less the transposed convolution, which the
// benchmark prints as a cross-check.

const conv = (cin, cout, k, ho, wo) => 2 * cin * cout * k * k * ho * wo;
const out = (size, k, stride, pad) => Math.floor((size + 2 * pad - k) / stride) + 1;

const RESNET = {
  18: { block: 'basic', layers: [2, 2, 2, 2] },
  34: { block: 'basic', layers: [3, 4, 6, 3] },
  50: { block: 'bottleneck', layers: [3, 4, 6, 3] },
  101: { block: 'bottleneck', layers: [3, 4, 23, 3] },
};

/** { flops, levels: [{ c, h, w }] } of the ResNet body on an H x W input (C2..C5). */
function resnet(depth, H, W) {
  const spec = RESNET[depth];
  if (!spec) throw new Error(`no FLOP count for ResNet-${depth}`);
  let h = out(H, 7, 2, 3), w = out(W, 7, 2, 3);
  let flops = conv(3, 64, 7, h, w);
  h = out(h, 3, 2, 1); w = out(w, 3, 2, 1);  // max-pool
  let cin = 64;
  const levels = [];
  const expansion = spec.block === 'bottleneck' ? 4 : 1;
  spec.layers.forEach((blocks, stage) => {
    const width = 64 << stage;
    const cout = width * expansion;
    for (let b = 0; b < blocks; b++) {
      const stride = b === 0 && stage > 0 ? 2 : 1;
      const ho = out(h, 3, stride, 1), wo = out(w, 3, stride, 1);
      if (spec.block === 'bottleneck') {
        flops += conv(cin, width, 1, h, w) + conv(width, width, 3, ho, wo) + conv(width, cout, 1, ho, wo);
      } else {
        flops += conv(cin, width, 3, ho, wo) + conv(width, width, 3, ho, wo);
      }
      if (b === 0 && (stride !== 1 || cin !== cout)) flops += conv(cin, cout, 1, ho, wo);
      cin = cout;
      h = ho; w = wo;
    }
    levels.push({ c: cout, h, w });
  });
  return { flops, levels };
}

/**
 * FLOPs by stage of one image: config is the model file's configuration; padded [H, W] is the
 * network input's size; proposals and detections are R and N above.
 */
export function modelFlops(config, { padded, proposals, detections }) {
  const a = config.architecture;
  const F = a.fpn_channels, C = a.num_classes, A = a.aspect_ratios.length;
  const rep = a.box_head, M = a.mask_head_channels, L = a.mask_head_layers;
  const [H, W] = padded;
  const body = resnet(a.depth, H, W);

  let fpn = 0, rpn = 0;
  const p = body.levels.map(({ h, w }) => ({ h, w }));
  for (const { c, h, w } of body.levels) fpn += conv(c, F, 1, h, w) + conv(F, F, 3, h, w);
  const top = p[p.length - 1];
  p.push({ h: out(top.h, 1, 2, 0), w: out(top.w, 1, 2, 0) });
  for (const { h, w } of p) rpn += conv(F, F, 3, h, w) + conv(F, A, 1, h, w) + conv(F, 4 * A, 1, h, w);

  const boxHead = proposals * 2 * (F * 7 * 7 * rep + rep * rep + rep * C + rep * 4 * C);
  let perMask = 0;
  for (let i = 0; i < L; i++) perMask += conv(i === 0 ? F : M, M, 3, 14, 14);
  const transposed = 2 * M * M * 4 * 14 * 14;
  perMask += transposed + conv(M, C, 1, 28, 28);
  const maskHead = detections * perMask;

  const stages = { preprocess: 0, backbone: body.flops, fpn, rpn, boxHead, maskHead, paste: 0 };
  const total = Object.values(stages).reduce((s, v) => s + v, 0);
  return { stages, total, transposed: detections * transposed };
}
