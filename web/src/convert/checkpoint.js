// A torch checkpoint's object from its bytes, in either of torch.save's formats.
import { ConvertError } from './errors.js';
import { isTorchLegacy, readTorchLegacy } from './torch-legacy.js';
import { readTorchZip } from './torch-zip.js';
import { isZip } from './zip.js';

export function readCheckpoint(bytes) {
  if (isZip(bytes)) return readTorchZip(bytes);
  if (isTorchLegacy(bytes)) return readTorchLegacy(bytes);
  if (bytes.length >= 262 && new TextDecoder('latin1').decode(bytes.subarray(257, 262)) === 'ustar') {
    throw new ConvertError('a tar-format checkpoint (PyTorch before 0.4) is not supported: load and save it again with a newer torch');
  }
  throw new ConvertError('not a torch checkpoint: neither a zip archive (torch.save since PyTorch 1.6) nor the legacy format');
}
