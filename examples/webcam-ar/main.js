// Live instance masks over the camera's video. Every video frame goes to segmentLatest: the
// engine (in a worker) works on one frame while only the newest one waits, so the masks follow
// the video as fast as the engine goes and the page never stalls.
import { drawInstances, load } from '../../web/src/index.js';

const video = document.getElementById('video');
const overlay = document.getElementById('overlay');
const status = document.getElementById('status');
const start = document.getElementById('start');
// The live model (MobileNetV3-Large) is made for video; ?model=URL picks another model file.
const model = new URLSearchParams(location.search).get('model') ?? '../../models/live-int8.safetensors';

let segmenter;
let frames = 0;
let startedAt = 0;
try {
  segmenter = await load({ model });
  status.textContent = `Model loaded (${segmenter.backend.build}, ${segmenter.backend.threads} threads).`;
  start.disabled = false;
} catch (error) {
  status.textContent = `Error: ${error.message}`;
}

start.addEventListener('click', async () => {
  start.disabled = true;
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    await video.play();
    startedAt = performance.now();
    video.requestVideoFrameCallback(onFrame);
  } catch (error) {
    status.textContent = `The camera could not start: ${error.message}`;
  }
});

function onFrame() {
  // Few instances and a score threshold keep each frame quick; the probabilities give the
  // masks soft edges over the video. Masks only, as an AR effect: no boxes or labels.
  segmenter.segmentLatest(video, { scoreThreshold: 0.5, maxInstances: 10, probabilities: true }).then((result) => {
    if (result === null) return;  // a newer frame took this one's place
    frames += 1;
    overlay.width = result.width;
    overlay.height = result.height;  // also clears the canvas
    drawInstances(overlay.getContext('2d'), result, { opacity: 0.6, soft: true, boxes: false, labels: false });
    const fps = (frames * 1000) / (performance.now() - startedAt);
    const count = result.instances.length;
    status.textContent = `${count} instance${count === 1 ? '' : 's'} · frame ${frames} · ${fps.toPrecision(2)} fps`;
    document.body.dataset.frames = String(frames);
  }, (error) => {
    status.textContent = `Error: ${error.message}`;
  });
  video.requestVideoFrameCallback(onFrame);
}
