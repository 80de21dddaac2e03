export { convert, convertModel, ConvertOptions, ConvertedModel } from './convert.js';
export { ConvertError } from './errors.js';
