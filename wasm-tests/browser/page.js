// Runs in Chromium: loads a model with the installed package, segments the same pixels from
// several kinds of sources, draws the instances, checks misuse and dispose, and leaves a
// report in window.report for wasm-tests/package.test.js.
import { drawInstances, load } from 'maskrcnn-wasm';

const q = new URLSearchParams(location.search);
const width = Number(q.get('width'));
const height = Number(q.get('height'));
const options = { maxInstances: Number(q.get('maxInstances')) };

// Typed arrays as plain arrays: the report crosses into the test process as JSON.
function plain(result) {
  return {
    width: result.width,
    height: result.height,
    instances: result.instances.map((i) => ({
      box: i.box, label: i.label, className: i.className, score: i.score,
      mask: { x: i.mask.x, y: i.mask.y, width: i.mask.width, height: i.mask.height, data: Array.from(i.mask.data) },
    })),
  };
}

async function image() {
  const img = new Image();
  img.src = q.get('png');
  await img.decode();
  return img;
}

// With opaque masks and no boxes or captions, every pixel of every mask changes and nothing
// else does.
function drawnPixels(img, result) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(img, 0, 0);
  const before = ctx.getImageData(0, 0, width, height).data;
  drawInstances(ctx, result, { opacity: 1, boxes: false, labels: false });
  const after = ctx.getImageData(0, 0, width, height).data;
  const inMask = new Uint8Array(width * height);
  for (const { mask } of result.instances) {
    const full = mask.toImageData({ fullFrame: true }).data;
    for (let p = 0; p < inMask.length; p++) if (full[p * 4 + 3]) inMask[p] = 1;
  }
  const counts = { maskPixels: 0, changedInMasks: 0, changedOutside: 0 };
  for (let p = 0; p < inMask.length; p++) {
    const changed = [0, 1, 2].some((k) => before[p * 4 + k] !== after[p * 4 + k]);
    if (inMask[p]) {
      counts.maskPixels++;
      counts.changedInMasks += changed;
    } else {
      counts.changedOutside += changed;
    }
  }
  return counts;
}

async function main() {
  const report = { isolated: globalThis.crossOriginIsolated === true, progress: {} };
  const segmenter = await load({
    model: q.get('model'),
    onProgress: (e) => { report.progress[e.type] = [e.loaded, e.total]; },
  });
  report.backend = segmenter.backend;
  report.labels = segmenter.labels;

  const raw = new Uint8ClampedArray(await (await fetch(q.get('rgba'))).arrayBuffer());
  const img = await image();
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext('2d').drawImage(img, 0, 0);
  const bitmap = await createImageBitmap(img);
  const fromImageData = await segmenter.segment(new ImageData(raw, width, height), options);
  report.results = {
    imageData: plain(fromImageData),
    image: plain(await segmenter.segment(img, options)),
    offscreenCanvas: plain(await segmenter.segment(canvas, options)),
    imageBitmapLatest: plain(await segmenter.segmentLatest(bitmap, options)),
    videoFrame: plain(await segmenter.segment(new VideoFrame(canvas, { timestamp: 0 }), options)),
  };
  report.drawn = drawnPixels(img, fromImageData);

  const message = (promise) => promise.then(() => 'no error', (e) => `${e instanceof Error}: ${e.message}`);
  report.errors = {
    unsupported: await message(segmenter.segment(document.body)),
    notLoaded: await message(segmenter.segment(new Image())),
    wrongLength: await message(segmenter.segment({ data: new Uint8Array(7), width: 2, height: 2 })),
    zeroSize: await message(segmenter.segment(new OffscreenCanvas(0, 5))),
    videoWithoutFrame: await message(segmenter.segment(document.createElement('video'))),
  };
  report.afterErrors = plain(await segmenter.segment(img, options));
  await segmenter.dispose();
  report.afterDispose = await message(segmenter.segment(img, options));

  // The engine on this (the page's) thread, in the build the page allows, with its files
  // from elsewhere (wasmPaths).
  const onPage = await load({ model: q.get('model'), worker: false, wasmPaths: q.get('wasmPaths') });
  report.onPage = { backend: onPage.backend, result: plain(await onPage.segment(img, options)) };
  await onPage.dispose();
  return report;
}

main().then(
  (report) => { window.report = report; },
  (e) => { window.report = { error: `${e.message}\n${e.stack}` }; },
);
