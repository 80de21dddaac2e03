// The demo page: wires the model picker, the image and webcam inputs, the picture with its
// instances, the instance list, the score threshold and the timings.
//
// Address options: ?model=URL offers (and loads) that model file first, in both modes;
// ?sample=N opens sample N (0-based) first; ?mode=webcam starts with the camera.
import { acceptDrops } from './drop-zone.js';
import { ImageControl } from './image-control.js';
import { InstanceList } from './instance-list.js';
import { paintInstances } from './instance-painter.js';
import {
  backendNote, cameraErrorMessage, clearMessage, formatDuration, formatRate, segmentErrorMessage, showMessage,
} from './messages.js';
import { ModelControl } from './model-control.js';
import { SAMPLES } from './samples/samples.js';
import { clearTimings, showTimings } from './timings-view.js';
import { WebcamLoop } from './webcam.js';

const $ = (id) => document.getElementById(id);

// Live video needs few masks; fewer instances also make the mask head quicker.
const WEBCAM_MAX_INSTANCES = 10;

// The models in the repository, the default first. Image mode starts on the default model,
// webcam mode on the live one in int8 (the fastest: fast enough for video), until the user
// picks a model.
const DEFAULT_MODEL = 'default.safetensors';
const LIVE_MODEL = 'live-int8.safetensors';
const SHIPPED_MODELS = [
  { file: DEFAULT_MODEL, label: 'Default: ResNet-34 int8, six shapes' },
  { file: 'default-f16.safetensors', label: 'Default F16: ResNet-34, six shapes (exact to torchvision)' },
  { file: LIVE_MODEL, label: 'Live: MobileNetV3-Large int8, six shapes (for video)' },
  { file: 'live.safetensors', label: 'Live F16: MobileNetV3-Large, six shapes (exact to torchvision)' },
  { file: 'fruits-nuts.safetensors', label: 'Fruits and nuts: dates, figs, hazelnuts (your photos)' },
].map(({ file, label }) => ({ name: file, label, url: new URL(`../../models/${file}`, import.meta.url).href }));

const params = new URLSearchParams(location.search);
const firstSample = Math.min(SAMPLES.length - 1, Math.max(0, Number(params.get('sample')) || 0));

const state = {
  mode: 'image',
  threshold: Number($('score-threshold').value),
  picture: null,      // { bitmap, name }: the image in image mode
  result: null,       // its result
  roundTrip: undefined,
  run: 0,             // image runs started; a newer one makes older results stale
  webcamResult: null,
  highlighted: null,
  shown: [],          // instances at or above the threshold, best first
  resultsShown: 0,
};

const message = $('message');
const setStatus = (text) => { $('status').textContent = text; };

const list = new InstanceList($('instance-list'), $('instance-summary'), (instance) => highlight(instance));

const models = new ModelControl({
  select: $('model-select'),
  fileInput: $('model-file'),
  progressBox: $('model-progress-box'),
  progress: $('model-progress'),
  progressLabel: $('model-progress-label'),
  info: $('model-info'),
  saveLink: $('model-save'),
}, modelChoices(), {
  onStart(source) {
    clearMessage(message, 'model');
    setStatus(`Loading the model ${source.name}…`);
  },
  onLoaded(segmenter) {
    $('backend').textContent = backendNote(segmenter.backend);
    if (state.mode === 'image') segmentPicture();
    else setStatus('Segmenting the camera\'s picture…');
  },
  onError(text) {
    showMessage(message, text, 'model');
    setStatus(models.segmenter ? 'The previous model is still in use.' : 'No model is loaded.');
    if (!models.segmenter) $('backend').textContent = 'Engine: not running (it starts with a model).';
  },
});

const images = new ImageControl({ fileInput: $('image-file'), gallery: $('samples') }, SAMPLES,
  new URL('./samples/', import.meta.url), {
    onImage(picture) {
      clearMessage(message, 'image');
      state.picture = picture;
      state.result = null;
      segmentPicture();
    },
    onError: (text) => showMessage(message, text, 'image'),
  });

const webcam = new WebcamLoop($('webcam-video'), {
  segmenter: () => models.segmenter,
  options: () => ({ scoreThreshold: state.threshold, maxInstances: WEBCAM_MAX_INSTANCES, probabilities: true }),
  onResult(result) {
    state.webcamResult = result;
    if (state.mode !== 'webcam') return;
    paintWebcam();
    showTimings($('timings'), result.timings);
  },
  onStats({ segmented, skipped, fps }) {
    const stats = $('webcam-stats');
    stats.dataset.segmented = String(segmented);
    stats.textContent = `${formatRate(fps)} · ${segmented} frames segmented, ${skipped} skipped while the engine was busy`;
  },
  onError(error) {
    showMessage(message, segmentErrorMessage(error), 'camera');
    setMode('image');
  },
});

function modelChoices() {
  const asked = params.get('model');
  if (!asked) return SHIPPED_MODELS;
  const url = new URL(asked, location.href).href;
  const name = decodeURIComponent(new URL(url).pathname.split('/').pop() || url);
  return [{ name, label: `From the address: ${name}`, url }, ...SHIPPED_MODELS];
}

// --- image mode ----------------------------------------------------------------------------

async function segmentPicture() {
  const { picture } = state;
  if (!picture) return;
  state.highlighted = null;
  refreshList(paintPicture());
  if (state.result === null) clearTimings($('timings'));
  const segmenter = models.segmenter;
  if (!segmenter) {
    setStatus(`${picture.name}: waiting for a model…`);
    return;
  }
  const run = ++state.run;
  setStatus(`Segmenting ${picture.name}…`);
  const started = performance.now();
  try {
    const result = await segmenter.segment(picture.bitmap);
    if (run !== state.run) return;
    state.result = result;
    state.roundTrip = performance.now() - started;
    showResult();
  } catch (error) {
    // A newer run, or a model switch that disposed this segmenter, takes over.
    if (run !== state.run || segmenter !== models.segmenter) return;
    showMessage(message, segmentErrorMessage(error), 'image');
    setStatus(`${picture.name}: no result.`);
  }
}

function showResult() {
  const { result, picture } = state;
  clearMessage(message, 'image');
  state.highlighted = null;
  refreshList(paintPicture());
  showTimings($('timings'), result.timings, state.roundTrip);
  const count = result.instances.length;
  setStatus(`${picture.name}: ${count} instance${count === 1 ? '' : 's'} found in ${formatDuration(state.roundTrip)}.`);
  state.resultsShown += 1;
  document.body.dataset.results = String(state.resultsShown);
}

/** Draws the picture and, when there is a result, the instances above the threshold. */
function paintPicture() {
  const canvas = $('image-canvas');
  const { bitmap } = state.picture;
  if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
  }
  const ctx = canvas.getContext('2d');
  ctx.drawImage(bitmap, 0, 0);
  state.shown = aboveThreshold(state.result);
  return paintInstances(ctx, state.shown, { highlighted: state.highlighted, scale: displayScale(canvas) });
}

function refreshList(captions) {
  const result = state.mode === 'image' ? state.result : state.webcamResult;
  if (!result) {
    list.clear(state.mode === 'image' && state.picture ? 'waiting for the result' : '');
    return;
  }
  list.show(state.shown, { total: result.instances.length, threshold: state.threshold, captions });
}

function aboveThreshold(result) {
  return result ? result.instances.filter((instance) => instance.score >= state.threshold) : [];
}

// Image pixels per screen pixel: lines and captions keep a readable size on large pictures.
function displayScale(canvas) {
  const shown = canvas.getBoundingClientRect().width;
  return shown > 0 ? Math.max(1, canvas.width / shown) : 1;
}

function highlight(instance) {
  if (instance === state.highlighted) return;
  state.highlighted = instance;
  list.highlight(instance);
  if (state.mode === 'image' && state.picture) paintPicture();
}

// Pointing at the picture highlights the best instance whose mask covers that pixel.
$('image-canvas').addEventListener('pointermove', (event) => {
  const canvas = event.currentTarget;
  const box = canvas.getBoundingClientRect();
  const x = Math.floor(((event.clientX - box.left) / box.width) * canvas.width);
  const y = Math.floor(((event.clientY - box.top) / box.height) * canvas.height);
  highlight(state.shown.find((instance) => maskCovers(instance.mask, x, y)) ?? null);
});
$('image-canvas').addEventListener('pointerleave', () => highlight(null));

function maskCovers(mask, x, y) {
  const i = x - mask.x;
  const j = y - mask.y;
  return i >= 0 && j >= 0 && i < mask.width && j < mask.height && mask.data[j * mask.width + i] === 1;
}

// --- webcam mode ---------------------------------------------------------------------------

function paintWebcam() {
  const result = state.webcamResult;
  const canvas = $('webcam-canvas');
  if (canvas.width !== result.width || canvas.height !== result.height) {
    canvas.width = result.width;
    canvas.height = result.height;
  }
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  state.shown = aboveThreshold(result);
  refreshList(paintInstances(ctx, state.shown, { scale: displayScale(canvas), soft: true }));
}

/** The shipped model for the mode, unless the address or the user chose one. */
function preferModelFor(mode) {
  if (!params.has('model')) models.prefer(mode === 'webcam' ? LIVE_MODEL : DEFAULT_MODEL);
}

async function setMode(mode) {
  state.mode = mode;
  preferModelFor(mode);
  for (const radio of document.querySelectorAll('input[name="mode"]')) radio.checked = radio.value === mode;
  const webcamOn = mode === 'webcam';
  $('image-view').hidden = webcamOn;
  $('image-inputs').hidden = webcamOn;
  $('webcam-view').hidden = !webcamOn;
  $('webcam-stats').hidden = !webcamOn;
  state.highlighted = null;
  if (!webcamOn) {
    webcam.stop();
    if (!state.picture) images.openSample(firstSample);
    else {
      refreshList(paintPicture());
      if (state.result) showTimings($('timings'), state.result.timings, state.roundTrip);
    }
    return;
  }
  state.webcamResult = null;
  list.clear();
  clearTimings($('timings'));
  $('webcam-stats').textContent = 'Starting the camera…';
  clearMessage(message, 'camera');
  try {
    await webcam.start();
    setStatus(models.segmenter ? 'Segmenting the camera\'s picture…' : 'Waiting for a model…');
  } catch (error) {
    webcam.stop();
    showMessage(message, cameraErrorMessage(error), 'camera');
    if (state.mode === 'webcam') setMode('image');
  }
}

for (const radio of document.querySelectorAll('input[name="mode"]')) {
  radio.addEventListener('change', () => { if (radio.checked) setMode(radio.value); });
}

// --- threshold, drops, start ---------------------------------------------------------------

$('score-threshold').addEventListener('input', (event) => {
  state.threshold = Number(event.target.value);
  $('score-value').textContent = state.threshold.toFixed(2);
  state.highlighted = null;
  if (state.mode === 'image' && state.picture) refreshList(paintPicture());
  else if (state.mode === 'webcam' && state.webcamResult) paintWebcam();
});

acceptDrops(document.body, $('drop-hint'), {
  onImage: (file) => {
    if (state.mode !== 'image') setMode('image');
    images.openFile(file);
  },
  onModel: (file) => models.loadFile(file),
});

if (params.has('model')) models.loadSelected();
if (params.get('mode') === 'webcam') setMode('webcam');
else {
  preferModelFor('image');
  images.openSample(firstSample);
}
