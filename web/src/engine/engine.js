// The engine: one instance of the WebAssembly module and one model handle, driven through the
// public C API (src/maskrcnn_wasm.h) on the calling thread. Results come out as plain data
// (numbers, strings, typed arrays that own their memory): nothing to free, transferable.
import { MAX_IMAGE_SIDE } from '../api/image.js';
import { MAX_THREADS } from '../api/options.js';

/** The most of a model file's part copied into WebAssembly memory at once. */
const STAGING_BYTES = 1 << 20;

/** C stage names (mrw_stage_name) and the result keys they become. */
const STAGES = [
  ['preprocess', 'preprocess'], ['backbone', 'backbone'], ['fpn', 'fpn'], ['rpn', 'rpn'],
  ['box_head', 'boxHead'], ['mask_head', 'maskHead'], ['paste', 'paste'],
];

/**
 * The C API's binary layout as the module states it (mrw_js_layout in web/wasm/module.c):
 * mrw_segment_options' offsets, sizes, enum values and limits. Checked against the limits the
 * JavaScript side enforces before a call reaches the module.
 */
function readLayout(m) {
  const length = m._mrw_js_layout(0, 0);
  const at = m._malloc(length + 1);
  if (!at) throw new Error('out of memory reading the module\'s layout');
  let layout;
  try {
    m._mrw_js_layout(at, length + 1);
    layout = JSON.parse(m.UTF8ToString(at, length));
  } finally {
    m._free(at);
  }
  const expected = { max_image_side: MAX_IMAGE_SIDE, max_threads: MAX_THREADS, int_size: 4, float_size: 4, stages: STAGES.length };
  for (const [key, value] of Object.entries(expected)) {
    if (layout[key] !== value) {
      throw new Error(`the package's JavaScript and its WebAssembly module disagree on ${key} (${value} and ${layout[key]}): reinstall the package`);
    }
  }
  return layout;
}

/** Where the scratch block holds the options, the result pointer and the mask rectangle. */
function scratchLayout(layout) {
  const align = (n, to) => Math.ceil(n / to) * to;
  const options = 0;
  const result = align(layout.options.size, layout.pointer_size);
  const rect = align(result + layout.pointer_size, layout.int_size);
  return { options, result, rect, bytes: rect + 4 * layout.int_size };
}

export class Engine {
  #m;
  #model;
  #scratch;
  #labels = [];
  #layout;
  #at;  // offsets in the scratch block
  #incoming = null;  // a model file arriving in parts (beginModel)

  /** @param m an instantiated module; threads: the thread count asked of the model handle */
  constructor(m, threads) {
    checkStages(m);
    this.#layout = readLayout(m);
    this.#at = scratchLayout(this.#layout);
    this.#m = m;
    this.#model = m._mrw_model_create(threads);
    this.#scratch = m._malloc(this.#at.bytes);
    if (!this.#model || !this.#scratch) throw new Error('out of memory creating the model');
  }

  get threads() { return this.#m._mrw_model_threads(this.#model); }
  get labels() { return this.#labels; }

  /** The C API's layout and limits as the module states them (see readLayout). */
  get layout() { return this.#layout; }

  /**
   * The instance's memory: its WebAssembly memory's current size (which only grows) and the
   * bytes its allocator has handed out and not had back (mrw_js_allocated_bytes).
   */
  memory() {
    return { wasmMemoryBytes: this.#buffer().byteLength, allocatedBytes: this.#m._mrw_js_allocated_bytes() };
  }

  /** Loads an uncompressed model file; on failure the previous model (if any) stays. */
  loadModel(bytes) {
    this.beginModel();
    this.writeModel(bytes);
    return this.finishModel();
  }

  /**
   * Starts a model file that arrives in parts: writeModel(part) for each, in order, then
   * finishModel() loads it as loadModel would. The module places each tensor in a block of
   * its own as its bytes arrive and frees each part of the network's tensors once that part
   * is built (mrw_model_stream_*): the file is never whole in WebAssembly memory beside the
   * built weights, nor outside it.
   */
  beginModel() {
    this.#dropIncoming();
    const m = this.#m;
    const stream = m._mrw_model_stream_begin(this.#model);
    if (!stream) throw new Error(`model file: ${this.#error()}`);
    const staging = m._malloc(STAGING_BYTES);
    if (!staging) {
      m._mrw_model_stream_cancel(stream);
      throw new Error('out of memory for a model file\'s parts');
    }
    this.#incoming = { stream, staging, error: null };
  }

  /** One part of the file begun by beginModel; a problem is kept for finishModel to throw. */
  writeModel(part) {
    const s = this.#incoming;
    if (!s) throw new Error('writeModel: no model file was begun');
    if (s.error) return;
    const m = this.#m;
    // through the staging block, a piece at a time: the module copies each into its tensors
    for (let i = 0; i < part.length && !s.error; i += STAGING_BYTES) {
      const piece = part.subarray(i, i + STAGING_BYTES);
      new Uint8Array(this.#buffer(), s.staging, piece.length).set(piece);
      if (m._mrw_model_stream_write(s.stream, s.staging, piece.length) !== 0) {
        s.error = new Error(`model file: ${this.#error()}`);
      }
    }
  }

  /** Loads the file begun by beginModel; its labels, as loadModel. */
  finishModel() {
    const s = this.#incoming;
    if (!s) throw new Error('finishModel: no model file was begun');
    const m = this.#m;
    this.#incoming = null;
    m._free(s.staging);
    if (s.error) {
      m._mrw_model_stream_cancel(s.stream);
      throw s.error;
    }
    if (m._mrw_model_stream_finish(s.stream) !== 0) throw new Error(`model file: ${this.#error()}`);
    const count = m._mrw_model_class_count(this.#model);
    const labels = [];
    for (let i = 0; i < count; i++) labels.push(m.UTF8ToString(m._mrw_model_class_name(this.#model, i)));
    this.#labels = labels;
    return labels;
  }

  #dropIncoming() {
    const s = this.#incoming;
    if (!s) return;
    this.#m._free(s.staging);
    this.#m._mrw_model_stream_cancel(s.stream);
    this.#incoming = null;
  }

  /**
   * Segments RGBA pixels (width * height * 4 bytes, already checked by the caller).
   * options: { scoreThreshold, maxInstances, maskThreshold, rle, probabilities }, negative or
   * missing thresholds meaning the model's defaults.
   */
  segment(pixels, width, height, options = {}) {
    const m = this.#m;
    const started = performance.now();
    const length = width * height * 4;
    const at = m._malloc(length);
    if (!at) throw new Error(`out of memory for a ${width}x${height} image`);
    try {
      new Uint8Array(this.#buffer(), at, length).set(pixels);
      const { options: fields } = this.#layout;
      const o = new DataView(this.#buffer(), this.#scratch, this.#at.bytes);
      o.setFloat32(this.#at.options + fields.score_threshold, options.scoreThreshold ?? -1, true);
      o.setInt32(this.#at.options + fields.max_instances, options.maxInstances ?? -1, true);
      o.setFloat32(this.#at.options + fields.mask_threshold, options.maskThreshold ?? -1, true);
      o.setUint32(this.#at.result, 0, true);
    } catch (error) {
      m._free(at);
      throw error;
    }
    // The module frees the copy once preprocessing has read it: it is not held through the run.
    const status = m._mrw_model_segment_consuming(this.#model, at, width, height, width * 4,
                                                  this.#layout.pixels_rgba,
                                                  this.#scratch + this.#at.options,
                                                  this.#scratch + this.#at.result);
    if (status !== 0) throw new Error(this.#error());
    const result = new DataView(this.#buffer(), this.#scratch, this.#at.bytes).getUint32(this.#at.result, true);
    try {
      return this.#read(result, options, performance.now() - started);
    } finally {
      m._mrw_result_free(result);
    }
  }

  dispose() {
    const m = this.#m;
    if (!m) return;
    this.#dropIncoming();
    this.#m = null;
    m._mrw_model_free(this.#model);
    m._free(this.#scratch);
    // A threaded module's pthread workers would keep their host (a page's worker, or Node)
    // busy for ever: end them.
    if (m.PThread) m.PThread.terminateAllThreads();
  }

  #read(result, options, wallMs) {
    const m = this.#m;
    const count = m._mrw_result_count(result);
    const instances = [];
    for (let i = 0; i < count; i++) {
      const rect = this.#scratch + this.#at.rect;
      const int = this.#layout.int_size;
      m._mrw_result_mask_rect(result, i, rect, rect + int, rect + 2 * int, rect + 3 * int);
      const [x, y, w, h] = new Int32Array(this.#buffer(), rect, 4);
      const box = Array.from(new Float32Array(this.#buffer(), m._mrw_result_box(result, i), 4));
      const mask = { x, y, width: w, height: h,
                     data: new Uint8Array(this.#buffer(), m._mrw_result_mask(result, i), w * h).slice() };
      if (options.probabilities) {
        mask.probabilities = new Float32Array(this.#buffer(), m._mrw_result_mask_probabilities(result, i), w * h).slice();
      }
      if (options.rle) mask.rle = this.#rle(result, i);
      instances.push({
        box, label: m._mrw_result_label(result, i),
        className: m.UTF8ToString(m._mrw_result_class_name(result, i)),
        score: m._mrw_result_score(result, i), mask,
      });
    }
    const timings = {};
    STAGES.forEach(([, key], stage) => { timings[key] = m._mrw_result_stage_ms(result, stage); });
    timings.total = wallMs;
    return { width: m._mrw_result_image_width(result), height: m._mrw_result_image_height(result),
             instances, timings };
  }

  /** The instance's whole-image binary mask as a COCO compressed RLE string. */
  #rle(result, i) {
    const m = this.#m;
    const length = m._mrw_result_mask_rle(result, i, 0, 0);
    const at = m._malloc(length + 1);
    if (!at) throw new Error('out of memory for a run-length encoding');
    try {
      m._mrw_result_mask_rle(result, i, at, length + 1);
      return m.UTF8ToString(at, length);
    } finally {
      m._free(at);
    }
  }

  #error() { return this.#m.UTF8ToString(this.#m._mrw_model_error(this.#model)); }

  // The memory's current buffer: a threaded module's memory may have grown on another thread,
  // which leaves the glue's own views (HEAPU8, ...) stale on this one.
  #buffer() { return (this.#m.wasmMemory ?? this.#m.HEAPU8).buffer; }
}

/** Checks that the stage list above matches the module's (a build/code mismatch guard). */
function checkStages(m) {
  STAGES.forEach(([name], stage) => {
    const actual = m.UTF8ToString(m._mrw_stage_name(stage));
    if (actual !== name) throw new Error(`module stage ${stage} is '${actual}', expected '${name}'`);
  });
}
