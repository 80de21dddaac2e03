// Distinct colors for instance labels: hues spread by the golden angle, so that neighbouring
// labels differ strongly.

/** [r, g, b] for a label (a whole number). */
export function labelColor(label) {
  const hue = (label * 137.508) % 360;
  return hslToRgb(hue, 0.75, 0.55);
}

function hslToRgb(h, s, l) {
  const a = s * Math.min(l, 1 - l);
  const f = (n) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** The caption drawn beside an instance: "person 0.97". */
export function instanceCaption(instance) {
  return `${instance.className} ${instance.score.toFixed(2)}`;
}
