// The sample images: scenes rendered by models/scenes.py (--count 8 --seed 3 --size 512x384),
// the kind of picture the default model was trained on (their ground truth is in
// annotations.json). file is relative to this folder; the first one opens with the page.
export const SAMPLES = Object.freeze([
  { file: 'scene-1.png', title: 'A cross, two squares, a triangle and a circle' },
  { file: 'scene-7.png', title: 'Squares, a triangle and a circle on a dim background' },
  { file: 'scene-4.png', title: 'Nine shapes: rings, crosses, a star, a circle and squares' },
  { file: 'scene-5.png', title: 'Two squares and a star, cut by the edges' },
]);
