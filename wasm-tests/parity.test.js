// The core's end-to-end parity cases with torchvision, run through the JavaScript API in
// Node: the ResNet-18 case, one ResNet-50 case, the ResNet-18 model with the v2 parts and a
// MobileNetV3 over returned_layers [3, 4, 5], the live model's stages (the others run in the C
// suites).
import { test } from 'node:test';

import { load } from '../web/src/node.js';
import { assertParity } from './support/compare.js';
import { e2eCase } from './support/fixtures.js';

for (const name of ['e2e_r18', 'e2e_r50_small', 'e2e_r18v2', 'e2e_mnv3_s16_landscape']) {
  test(`parity with torchvision through the JS API: ${name}`, { timeout: 300_000 }, async (t) => {
    const c = e2eCase(name);
    const segmenter = await load({ model: c.modelPath, threads: 2 });
    try {
      const result = await segmenter.segment(c.image);
      const worst = assertParity(result, c.expected, name);
      t.diagnostic(`${name}: ${c.expected.scores.length} torchvision / ${result.instances.length} ours, ` +
        `${worst.matched} paired, cut ${worst.cut.toFixed(4)}, ` +
        `worst box IoU ${worst.boxIou.toFixed(5)}, score diff ${worst.scoreDiff.toExponential(2)}, ` +
        `mask IoU ${worst.maskIou.toFixed(5)}, ${Math.round(result.timings.total)} ms`);
    } finally {
      await segmenter.dispose();
    }
  });
}
