// PyTorch checkpoints given to the demo (.pth): recognized by their first bytes and converted
// to a model file in a worker, with progress; the result can be saved.

/** torch.save's zip archive ('PK\3\4') or its legacy format (a pickle: PROTO 2..5). */
export function isCheckpoint(bytes) {
  if (bytes.length < 4) return false;
  const zip = bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  const pickle = bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
  return zip || pickle;
}

/**
 * The model file of a checkpoint, converted in a worker. onProgress({ stage, done, total });
 * the signal ends the worker. Rejects with the converter's error (name 'ConvertError').
 */
export function convertInWorker(bytes, { onProgress, signal }) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./convert-worker.js', import.meta.url), { type: 'module' });
    const finish = () => {
      worker.terminate();
      signal?.removeEventListener('abort', abort);
    };
    const abort = () => {
      finish();
      reject(Object.assign(new Error('The conversion was cancelled'), { name: 'AbortError' }));
    };
    signal?.addEventListener('abort', abort);
    worker.onmessage = ({ data }) => {
      if (data.type === 'progress') {
        onProgress?.(data);
      } else if (data.type === 'done') {
        finish();
        resolve(data.bytes);
      } else {
        finish();
        reject(Object.assign(new Error(data.message), { name: data.name }));
      }
    };
    worker.onerror = (event) => {
      finish();
      reject(new Error(`the converter could not start: ${event.message ?? 'worker error'}`));
    };
    worker.postMessage({ bytes }, [bytes.buffer]);
  });
}

/** "scene.pth" -> "scene.safetensors" */
export function convertedName(name) {
  return `${name.replace(/\.(pth|pt|ckpt|bin|tar)$/i, '')}.safetensors`;
}
