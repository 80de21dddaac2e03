// The package's shipped default model, named with new URL(literal, import.meta.url): Node reads
// it as a file, a page fetches it from beside the package's code, and bundlers (Vite, webpack)
// see the pattern and copy the file into the app's build.

/** models/default.safetensors of this package, as a URL (file: in Node). */
export function defaultModelUrl() {
  return new URL('../../../models/default.safetensors', import.meta.url);
}
