// Readable messages for what can go wrong on the page, and the status line.

/** source: { name, url? } of the model that failed to load. */
export function modelErrorMessage(error, source) {
  if (/HTTP 404/.test(error.message)) {
    return `The model file “${source.name}” is not on this server (${source.url} was not found). ` +
      'Open a model file or a PyTorch checkpoint, or drop one on this page.';
  }
  if (error.name === 'ConvertError') return `Could not convert the checkpoint “${source.name}”: ${error.message}`;
  return `Could not load the model “${source.name}”: ${error.message}`;
}

export function imageErrorMessage(name) {
  return `Could not open “${name}” as an image: the browser cannot decode it (PNG, JPEG, WebP and GIF work).`;
}

export function segmentErrorMessage(error) {
  return `Segmentation failed: ${error.message}`;
}

export function cameraErrorMessage(error) {
  const why = {
    NotAllowedError: 'permission to use the camera was refused',
    NotFoundError: 'no camera was found',
    NotReadableError: 'the camera is in use by another program',
    SecurityError: 'the page is not allowed to use a camera (it must come from https or localhost)',
  }[error.name] ?? error.message;
  return `The webcam could not start: ${why}.`;
}

/**
 * Shows text in the alert box. topic ('model', 'image', 'camera') says what it is about, so
 * that only news on the same topic clears it (a sample opening does not hide a model error).
 */
export function showMessage(box, text, topic) {
  box.textContent = text;
  box.dataset.topic = topic;
  box.hidden = false;
}

/** Hides the alert box if it speaks of this topic. */
export function clearMessage(box, topic) {
  if (box.dataset.topic !== topic) return;
  box.textContent = '';
  box.hidden = true;
}

/** "1.2 MB" */
export function formatBytes(bytes) {
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** "850 ms", "6.2 s" */
export function formatDuration(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** "12 fps", "2.5 fps", "0.31 fps (3.2 s a frame)" */
export function formatRate(fps) {
  if (fps >= 10) return `${Math.round(fps)} fps`;
  if (fps >= 1) return `${fps.toFixed(1)} fps`;
  return fps > 0 ? `${fps.toFixed(2)} fps (${(1 / fps).toFixed(1)} s a frame)` : '– fps';
}

/** The note on which engine runs: build, threads, worker. */
export function backendNote({ build, threads, worker }) {
  const where = worker ? 'in a worker' : 'on the page\'s thread';
  const threadText = threads === 1 ? '1 thread' : `${threads} threads`;
  let note = `Engine: WebAssembly SIMD, ${threadText}, ${where} (build “${build}”)`;
  if (threads === 1 && !globalThis.crossOriginIsolated) {
    note += '. Threads are off because the page is not cross-origin isolated (serve it with COOP/COEP headers, as scripts/serve.js does).';
  }
  return note;
}
