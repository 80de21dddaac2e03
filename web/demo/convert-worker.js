// The demo's converter worker: a PyTorch checkpoint's bytes in, a model file's bytes out, with
// progress, off the page's thread (the conversion runs without pausing).
import { convertModel } from '../src/convert/convert.js';

self.onmessage = async ({ data }) => {
  try {
    const result = await convertModel(data.bytes, {
      onProgress: (event) => self.postMessage({ type: 'progress', ...event }),
    });
    self.postMessage({ type: 'done', bytes: result.bytes, tensors: result.tensors }, [result.bytes.buffer]);
  } catch (error) {
    self.postMessage({ type: 'error', name: error.name, message: error.message });
  }
};
