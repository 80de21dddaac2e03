// Where pictures come from: the sample images (buttons with thumbnails) and the user's own
// files (file input or drop). Each becomes an ImageBitmap at full resolution.
import { imageErrorMessage } from './messages.js';

export class ImageControl {
  #buttons = [];
  #onImage;
  #onError;

  /**
   * fileInput: <input type=file>; gallery: where the sample buttons go; samples: [{ file,
   * title }] with files relative to samplesUrl; onImage({ bitmap, name }); onError(message).
   */
  constructor({ fileInput, gallery }, samples, samplesUrl, { onImage, onError }) {
    this.#onImage = onImage;
    this.#onError = onError;
    this.#buttons = samples.map((sample, index) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'sample';
      button.setAttribute('aria-pressed', 'false');
      button.dataset.sample = sample.file;
      const thumbnail = new Image();
      thumbnail.src = new URL(sample.file, samplesUrl).href;
      thumbnail.alt = sample.title;
      button.append(thumbnail);
      button.addEventListener('click', () => this.openSample(index));
      gallery.append(button);
      return button;
    });
    fileInput.addEventListener('change', () => {
      const [file] = fileInput.files;
      if (file) this.openFile(file);
      fileInput.value = '';
    });
  }

  /** Opens sample number index (the thumbnail's own pixels, decoded once). */
  async openSample(index) {
    const button = this.#buttons[index];
    const thumbnail = button.querySelector('img');
    try {
      await thumbnail.decode();
      this.#press(button);
      this.#onImage({ bitmap: await createImageBitmap(thumbnail), name: thumbnail.alt });
    } catch {
      this.#onError(imageErrorMessage(button.dataset.sample));
    }
  }

  /** Opens a user's image file. */
  async openFile(file) {
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch {
      this.#onError(imageErrorMessage(file.name));
      return;
    }
    this.#press(null);
    this.#onImage({ bitmap, name: file.name });
  }

  #press(pressed) {
    for (const button of this.#buttons) button.setAttribute('aria-pressed', String(button === pressed));
  }
}
