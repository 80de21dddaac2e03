// One color per class, so that the same kind of object has the same color in every picture:
// hues a golden angle apart, which keeps neighbouring labels far apart on the color wheel.

const GOLDEN_ANGLE = 137.508;

/** [r, g, b] (0..255) for a label number. */
export function classColor(label) {
  return hslToRgb((label * GOLDEN_ANGLE + 200) % 360, 0.8, 0.5);
}

/** CSS rgb() text for a color. */
export function cssColor([r, g, b], alpha = 1) {
  return alpha === 1 ? `rgb(${r} ${g} ${b})` : `rgb(${r} ${g} ${b} / ${alpha})`;
}

function hslToRgb(hue, saturation, lightness) {
  const chroma = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n) => {
    const k = (n + hue / 30) % 12;
    return Math.round(255 * (lightness - chroma * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [channel(0), channel(8), channel(4)];
}
