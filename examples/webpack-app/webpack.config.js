// webpack 5 needs no loader or plugin for maskrcnn-wasm: the package names its files with
// new URL('...', import.meta.url), which webpack understands by itself (asset modules):
// - new URL('x.wasm' or 'x.js', import.meta.url) is an asset/resource module: the file is
//   copied into dist/ and the URL points to the copy (the engine's Emscripten scripts are
//   copied as they are, not bundled: the engine loads them by URL);
// - new Worker(new URL('worker.js', import.meta.url)) makes a separate bundle for the
//   engine's worker, loaded from dist/ too;
// - the package's default model, models/default.safetensors, is an asset module as well.
// The page (index.html) loads dist/main.js; serve this folder. For threads, the server must
// make the page cross-origin isolated (see README.md); without that, the engine runs on one.
import { fileURLToPath } from 'node:url';

export default {
  mode: 'production',
  entry: './main.js',
  output: {
    // dist/main.js, the worker's bundle and the package's files
    path: fileURLToPath(new URL('dist/', import.meta.url)),
    // the package's files keep their names, with a content hash for caching
    assetModuleFilename: '[name]-[contenthash][ext]',
    // remove the previous build's files
    clean: true,
  },
  performance: {
    // the package's default model (25 MB) is copied too, since load() without a model fetches
    // it; it is downloaded when the page loads it, not with the page, so the size hint that
    // webpack gives for large files leaves it out
    assetFilter: (name) => !name.endsWith('.safetensors'),
  },
};
