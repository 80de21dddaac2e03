// Files dropped anywhere on the page: pictures go to the image input, anything else is taken
// for a model file (the package says clearly when it is not one).

/** hint: an element shown while files are dragged over the page. */
export function acceptDrops(target, hint, { onImage, onModel }) {
  let depth = 0;  // dragenter/dragleave fire for every child crossed
  const hasFiles = (event) => [...(event.dataTransfer?.types ?? [])].includes('Files');
  target.addEventListener('dragenter', (event) => {
    if (!hasFiles(event)) return;
    depth += 1;
    hint.hidden = false;
  });
  target.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) hint.hidden = true;
  });
  target.addEventListener('dragover', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  });
  target.addEventListener('drop', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    hint.hidden = true;
    const [file] = event.dataTransfer.files;
    if (!file) return;
    if (isImage(file)) onImage(file);
    else onModel(file);
  });
}

function isImage(file) {
  return file.type.startsWith('image/') || /\.(png|jpe?g|webp|gif|bmp|avif)$/i.test(file.name);
}
