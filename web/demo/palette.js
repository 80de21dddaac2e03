// The demo's colours are the package's own (web/src/api/palette.js: drawInstances and the CLI
// overlay use it too), so a class has the same colour everywhere; plus CSS text for them.
export { instanceCaption, labelColor } from '../src/api/palette.js';

/** CSS rgb() text for a color. */
export function cssColor([r, g, b], alpha = 1) {
  return alpha === 1 ? `rgb(${r} ${g} ${b})` : `rgb(${r} ${g} ${b} / ${alpha})`;
}
