// The list of instances beside the picture. Pointing at an entry (or focusing it with the
// keyboard) highlights its instance in the picture; the picture can highlight an entry too.
import { cssColor, labelColor } from './palette.js';

const areas = new WeakMap();

/** Pixels in an instance's mask. */
export function maskArea(instance) {
  if (!areas.has(instance)) {
    const { data } = instance.mask;
    let sum = 0;
    for (let i = 0; i < data.length; i++) sum += data[i];
    areas.set(instance, sum);
  }
  return areas.get(instance);
}

export class InstanceList {
  #list;
  #summary;
  #items = new Map();  // instance -> <li>
  #byItem = new Map(); // <li> -> instance

  /** list: an <ol>; summary: where "3 of 12" goes; onHighlight(instance or null). */
  constructor(list, summary, onHighlight) {
    this.#list = list;
    this.#summary = summary;
    const from = (event) => this.#byItem.get(event.target.closest('li')) ?? null;
    list.addEventListener('pointerover', (event) => onHighlight(from(event)));
    list.addEventListener('pointerleave', () => onHighlight(null));
    list.addEventListener('focusin', (event) => onHighlight(from(event)));
    list.addEventListener('focusout', () => onHighlight(null));
  }

  /**
   * instances: those shown (best first); total: all in the result; captions: Map instance ->
   * caption rectangle, kept on the entry (data-caption) with the box and mask rectangle.
   */
  show(instances, { total, threshold, captions = new Map() }) {
    this.#items.clear();
    this.#byItem.clear();
    this.#list.replaceChildren(...instances.map((instance) => {
      const item = this.#item(instance, captions.get(instance));
      this.#items.set(instance, item);
      this.#byItem.set(item, instance);
      return item;
    }));
    this.#summary.textContent = total === 0
      ? 'none found'
      : `${instances.length} of ${total} with score ≥ ${threshold.toFixed(2)}`;
  }

  clear(text = '') {
    this.#items.clear();
    this.#byItem.clear();
    this.#list.replaceChildren();
    this.#summary.textContent = text;
  }

  /** Marks the entry of an instance (null: none). */
  highlight(instance) {
    for (const [candidate, item] of this.#items) {
      const on = candidate === instance;
      item.classList.toggle('is-highlighted', on);
      if (on) item.setAttribute('aria-current', 'true');
      else item.removeAttribute('aria-current');
    }
  }

  #item(instance, caption) {
    const item = document.createElement('li');
    item.tabIndex = 0;
    const [x1, y1, x2, y2] = instance.box;
    const { x, y, width, height } = instance.mask;
    Object.assign(item.dataset, {
      score: String(instance.score),
      box: instance.box.join(','),
      mask: [x, y, width, height].join(','),
      area: String(maskArea(instance)),
      ...(caption && { caption: [caption.x, caption.y, caption.width, caption.height].join(',') }),
    });
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = cssColor(labelColor(instance.label));
    const name = span('name', instance.className);
    const score = span('score', instance.score.toFixed(2));
    const size = span('size', `box ${Math.round(x2 - x1)}×${Math.round(y2 - y1)}, mask ${maskArea(instance)} px`);
    item.append(swatch, name, score, size);
    item.title = `box ${[x1, y1, x2, y2].map((v) => v.toFixed(0)).join(', ')}`;
    return item;
  }
}

function span(className, text) {
  const element = document.createElement('span');
  element.className = className;
  element.textContent = text;
  return element;
}
