// maskrcnn-wasm in an app built with webpack: load a model, segment an image, draw the instances.
// It starts with the package's default model (load() without a model); query parameters run it
// without clicks: ?image=URL[&model=URL][&maxInstances=N].
import { drawInstances, load } from 'maskrcnn-wasm';

const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);
let segmenter = null;
let image = null;

function setState(state, text) {
  document.body.dataset.state = state;
  $('status').textContent = text;
}

async function loadModel(model) {
  await segmenter?.dispose();
  segmenter = null;
  setState('loading', 'Loading the model...');
  segmenter = await load({
    model,
    onProgress: ({ type, loaded, total }) => {
      $('progress').value = total ? loaded / total : 0;
      $('status').textContent = `Downloading the ${type === 'wasm' ? 'engine' : 'model'}...`;
    },
  });
  const { build, threads, worker } = segmenter.backend;
  setState('ready', `Model ready (${build}, ${threads} thread${threads > 1 ? 's' : ''}${worker ? ', in a worker' : ''}).`);
}

async function run() {
  if (!segmenter || !image) return;
  setState('segmenting', 'Segmenting...');
  const maxInstances = query.has('maxInstances') ? Number(query.get('maxInstances')) : undefined;
  const result = await segmenter.segment(image, { maxInstances });
  const canvas = $('canvas');
  canvas.width = result.width;
  canvas.height = result.height;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  drawInstances(ctx, result);
  window.maskrcnnExample = { backend: segmenter.backend, result };
  const names = result.instances.slice(0, 5).map((i) => `${i.className} ${i.score.toFixed(2)}`).join(', ');
  setState('done', `${result.instances.length} instances in ${Math.round(result.timings.total)} ms${names ? `: ${names}` : ''}`);
}

function loadImage(src) {
  const img = new Image();
  img.src = src;
  return img.decode().then(() => img);
}

function fail(e) {
  setState('error', `Error: ${e.message}`);
  console.error(e);
}

$('model-file').addEventListener('change', async (event) => {
  const file = event.target.files[0];
  if (file) await loadModel(new Uint8Array(await file.arrayBuffer())).then(run).catch(fail);
});
$('model-url').addEventListener('change', (event) => {
  if (event.target.value) loadModel(event.target.value).then(run).catch(fail);
});
$('image-file').addEventListener('change', async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  const url = URL.createObjectURL(file);
  image = await loadImage(url).catch(fail);
  URL.revokeObjectURL(url);
  run().catch(fail);
});

// undefined: the package's default model
const modelReady = loadModel(query.get('model') ?? undefined);
if (query.has('image')) {
  Promise.all([modelReady, loadImage(query.get('image')).then((img) => { image = img; })])
    .then(run)
    .catch(fail);
} else {
  modelReady.catch(fail);
}
