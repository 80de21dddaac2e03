// The model converter: torchvision Mask R-CNN checkpoints (torch.save's zip and legacy
// formats, read without executing anything) to maskrcnn-wasm model files.
export { convert, convertModel } from './convert.js';
export { ConvertError } from './errors.js';
