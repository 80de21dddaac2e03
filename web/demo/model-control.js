// The model picker: models on the server (the shipped default, or one named in the page's
// address) and the user's own files (file input or drop): model files, or PyTorch checkpoints
// converted here in a worker and offered for saving, with a progress bar while one loads. Owns the current Segmenter: a new one replaces it only once it has loaded, so a
// bad file leaves the previous model working.
import { load } from '../src/index.js';
import { convertedName, convertInWorker, isCheckpoint } from './checkpoint-converter.js';
import { formatBytes, modelErrorMessage } from './messages.js';

export class ModelControl {
  #elements;
  #events;
  #sources = new Map();   // <option> value -> { name, url } or { name, file }
  #current = null;        // { segmenter, value }
  #loading = null;        // AbortController of the load in progress
  #fileCount = 0;
  #userChose = false;     // the user picked a model (picker, file input or drop)
  #savedUrl = null;       // object URL of the converted model offered for saving

  /**
   * elements: { select, fileInput, progressBox, progress, progressLabel, info, saveLink };
   * models: [{ name, url }] offered in the picker, the first chosen;
   * events: { onStart(source), onLoaded(segmenter, source), onError(message) }.
   */
  constructor(elements, models, events) {
    this.#elements = elements;
    this.#events = events;
    for (const model of models) this.#addOption({ name: model.name, url: model.url, label: model.label ?? model.name });
    elements.select.addEventListener('change', () => {
      this.#userChose = true;
      this.#loadValue(elements.select.value);
    });
    elements.fileInput.addEventListener('change', () => {
      const [file] = elements.fileInput.files;
      if (file) this.loadFile(file);
      elements.fileInput.value = '';
    });
  }

  /** The loaded segmenter, or null. */
  get segmenter() { return this.#current?.segmenter ?? null; }

  /** Loads the model chosen in the picker. */
  loadSelected() {
    return this.#loadValue(this.#elements.select.value);
  }

  /**
   * Picks and loads the offered model of that name, as a mode's default: nothing happens once
   * the user has chosen a model, or when that one is already chosen. Resolves like loadSelected.
   */
  async prefer(name) {
    if (this.#userChose) return true;
    const value = [...this.#sources].find(([, source]) => source.name === name)?.[0];
    if (value === undefined || value === this.#elements.select.value && (this.#current || this.#loading)) return true;
    this.#elements.select.value = value;
    return this.#loadValue(value);
  }

  /** Loads a user's model file and adds it to the picker (unless it does not load). */
  async loadFile(file) {
    this.#userChose = true;
    const value = this.#addOption({ name: file.name, file, label: `Your file: ${file.name}` }, `file-${++this.#fileCount}`);
    this.#elements.select.value = value;
    if (await this.#loadValue(value) === false) {
      this.#sources.delete(value);
      this.#elements.select.querySelector(`option[value="${value}"]`)?.remove();
    }
  }

  #addOption(source, value = `url-${this.#sources.size}`) {
    this.#sources.set(value, source);
    this.#elements.select.append(new Option(source.label, value));
    return value;
  }

  /** Resolves to false when the model failed to load; true when it loaded, or when a newer
   * choice took its place. */
  async #loadValue(value) {
    const source = this.#sources.get(value);
    this.#loading?.abort();
    const loading = new AbortController();
    this.#loading = loading;
    this.#events.onStart(source);
    this.#showProgress(source.file ? `Reading ${source.name}…` : `Downloading ${source.name}…`);
    try {
      let model = source.file ? new Uint8Array(await source.file.arrayBuffer()) : source.url;
      if (source.file && isCheckpoint(model)) {
        model = await this.#convert(model, source, loading.signal);
        source.converted = model;
      }
      const segmenter = await load({
        model,
        signal: loading.signal,
        onProgress: (event) => this.#onProgress(event, source),
      });
      if (loading.signal.aborted) {
        segmenter.dispose();
        return true;
      }
      const previous = this.#current;
      this.#current = { segmenter, value };
      this.#showInfo(source, segmenter);
      this.#offerSave(source);
      this.#events.onLoaded(segmenter, source);
      previous?.segmenter.dispose();
      return true;
    } catch (error) {
      if (error.name === 'AbortError' || loading.signal.aborted) return true;
      // The picker goes back to the model still in use.
      if (this.#current) this.#elements.select.value = this.#current.value;
      this.#events.onError(modelErrorMessage(error, source));
      return false;
    } finally {
      if (this.#loading === loading) {
        this.#loading = null;
        this.#elements.progressBox.hidden = true;
      }
    }
  }

  /** The model file of a checkpoint, converted in a worker with progress. */
  async #convert(bytes, source, signal) {
    const { progress, progressLabel } = this.#elements;
    this.#showProgress(`Converting ${source.name} (${formatBytes(bytes.length)})…`);
    return convertInWorker(bytes, {
      signal,
      onProgress: ({ stage, done, total }) => {
        progress.max = 2 * total;
        progress.value = (stage === 'write' ? total : 0) + done;
        progressLabel.textContent = `Converting ${source.name}: ${stage === 'read' ? 'reading' : 'writing'} tensor ${done} of ${total}`;
      },
    });
  }

  /** A link that saves the converted model of this source (hidden for other sources). */
  #offerSave(source) {
    const link = this.#elements.saveLink;
    if (!link) return;
    if (this.#savedUrl) URL.revokeObjectURL(this.#savedUrl);
    this.#savedUrl = null;
    link.hidden = !source.converted;
    if (!source.converted) return;
    this.#savedUrl = URL.createObjectURL(new Blob([source.converted], { type: 'application/octet-stream' }));
    link.href = this.#savedUrl;
    link.download = convertedName(source.name);
    link.textContent = `Save the converted model (${link.download}, ${formatBytes(source.converted.length)})`;
  }

  #onProgress({ type, loaded, total }, source) {
    if (type !== 'model') return;
    const { progress, progressLabel } = this.#elements;
    if (total > 0 && loaded < total) {
      progress.max = total;
      progress.value = loaded;
      progressLabel.textContent = `Downloading ${source.name}: ${formatBytes(loaded)} of ${formatBytes(total)}`;
    } else if (total > 0) {
      // Downloaded: the engine now reads the weights, which takes a moment of its own.
      progress.removeAttribute('value');
      progressLabel.textContent = `Preparing ${source.name} (${formatBytes(total)})…`;
    }
  }

  #showProgress(text) {
    const { progressBox, progress, progressLabel } = this.#elements;
    progress.removeAttribute('value');
    progressLabel.textContent = text;
    progressBox.hidden = false;
  }

  #showInfo(source, segmenter) {
    const classes = segmenter.labels.slice(1);
    const shown = classes.length > 8 ? `${classes.slice(0, 8).join(', ')}, …` : classes.join(', ');
    this.#elements.info.textContent = `Loaded ${source.name}: ${classes.length} classes (${shown}).`;
  }
}
