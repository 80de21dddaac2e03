// Compiled by types.test.js with tsc --strict: every public name of the package, used as
// the README shows, through the package's own name (its exports map's "types"). The lines
// marked as expected errors must fail to type-check: the declarations are not just `any`.
import { convert, decodeImage, drawInstances, load } from 'maskrcnn-wasm';
import type {
  Backend, ConvertOptions, ConvertProgressEvent, DrawOptions, Instance, InstanceMask, LoadOptions,
  MemoryUsage, PixelSource, ProgressEvent, RgbaImage, SegmentOptions, SegmentResult, Segmenter, Timings,
  ToImageDataOptions,
} from 'maskrcnn-wasm';

export async function example(canvas: HTMLCanvasElement, video: HTMLVideoElement): Promise<void> {
  const controller = new AbortController();
  const options: LoadOptions = {
    model: 'model.safetensors',
    threads: 'auto',
    worker: true,
    wasmPaths: { 'maskrcnn-wasm-simd.wasm': '/assets/simd.wasm' },
    onProgress: (e: ProgressEvent) => console.log(e.type, e.loaded, e.total),
    signal: controller.signal,
  };
  const segmenter: Segmenter = await load(options);
  const labels: readonly string[] = segmenter.labels;
  const backend: Readonly<Backend> = segmenter.backend;
  const threads: number = backend.threads;
  const build: 'simd' | 'simd-threads' | 'node' = backend.build;

  const raw: RgbaImage = { data: new Uint8Array(4), width: 1, height: 1 };
  const sources: PixelSource[] = [raw, canvas, video, new ImageData(1, 1), new OffscreenCanvas(1, 1)];
  const segmentOptions: SegmentOptions = { scoreThreshold: 0.5, maxInstances: 10, maskThreshold: 0.5, rle: true, probabilities: true };
  const result: SegmentResult = await segmenter.segment(sources[0], segmentOptions);
  const latest: SegmentResult | null = await segmenter.segmentLatest(video);
  const timings: Timings = result.timings;
  const total: number = timings.total + timings.backbone + timings.maskHead;

  for (const instance of result.instances as Instance[]) {
    const [x1, y1, x2, y2] = instance.box;
    const name: string = instance.className;
    const mask: InstanceMask = instance.mask;
    const bytes: Uint8Array = mask.data;
    const rle: string | undefined = mask.rle;
    const probabilities: Float32Array | undefined = mask.probabilities;
    const toImage: ToImageDataOptions = { color: [255, 0, 0, 128], fullFrame: true, soft: true };
    const pixels: ImageData = mask.toImageData(toImage);
    console.log(x1, y1, x2, y2, name, instance.label, instance.score, bytes.length, rle, probabilities, pixels.width);
  }
  const draw: DrawOptions = { opacity: 0.4, boxes: true, labels: true, masks: true, soft: false };
  const ctx = canvas.getContext('2d');
  if (ctx) drawInstances(ctx, result, draw);
  const memory: number = await segmenter.wasmMemoryBytes();
  const usage: MemoryUsage = await segmenter.memoryUsage();
  const allocated: number = usage.allocatedBytes + usage.wasmMemoryBytes;
  await segmenter.dispose();
  console.log(labels, threads, build, latest, total, memory, allocated);

  const decoded = await decodeImage(new Uint8Array(0), { applyOrientation: true });
  const decodedBytes: Uint8Array = decoded.data;
  console.log(decodedBytes.length, decoded.width, decoded.height);
  // @ts-expect-error: decodeImage takes bytes, not a file name
  await decodeImage('photo.jpg');

  const convertOptions: ConvertOptions = {
    fp16: true, int8: false, labels: ['cat', 'dog'], minSize: 320, maxSize: 640, bnEps: 1e-5,
    rpnPreNmsTopN: 150, rpnPostNmsTopN: 150, rpnScoreThresh: 0.05, boxScoreThresh: 0.3, detectionsPerImg: 10,
    onProgress: (event: ConvertProgressEvent) => console.log(event.stage, event.done, event.total),
  };
  const modelFile: Uint8Array = await convert(new Uint8Array(0), convertOptions);
  await load({ model: await convert(new ArrayBuffer(0)) });
  console.log(modelFile.length);
  // @ts-expect-error: convert takes the checkpoint's bytes, not a file name
  await convert('checkpoint.pth');
  // @ts-expect-error: labels are a list of names
  await convert(new Uint8Array(0), { labels: 'cat,dog' });

  // @ts-expect-error: a model is a URL or bytes
  await load({ model: 42 });
  // @ts-expect-error: threads is a number or 'auto'
  await load({ model: 'm', threads: 'many' });
  // @ts-expect-error: segment() takes pixels, not a file name
  await segmenter.segment('image.png');
  // @ts-expect-error: boxes are four numbers
  const box: [number, number] = result.instances[0].box;
  console.log(box);
}
