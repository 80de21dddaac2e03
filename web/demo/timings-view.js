// The per-stage timings of the last result (result.timings), as a table with proportional bars.

const STAGES = [
  ['preprocess', 'Preprocess'],
  ['backbone', 'Backbone'],
  ['fpn', 'FPN'],
  ['rpn', 'RPN'],
  ['boxHead', 'Box head'],
  ['maskHead', 'Mask head'],
  ['paste', 'Paste masks'],
];

/** tbody: the table body to fill; timings: result.timings; roundTrip: ms the page waited. */
export function showTimings(tbody, timings, roundTrip) {
  const rows = STAGES.map(([key, name]) => row(name, timings[key], timings.total, key));
  rows.push(row('Engine total', timings.total, timings.total, 'total'));
  if (roundTrip !== undefined) rows.push(row('Page round trip', roundTrip, null, 'roundTrip'));
  tbody.replaceChildren(...rows);
}

export function clearTimings(tbody) {
  tbody.replaceChildren();
}

function row(name, ms, total, key) {
  const tr = document.createElement('tr');
  tr.dataset.stage = key;
  const label = document.createElement('th');
  label.scope = 'row';
  label.textContent = name;
  const value = document.createElement('td');
  value.className = 'ms';
  value.textContent = ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
  const barCell = document.createElement('td');
  if (total) {
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.inlineSize = `${Math.min(100, (100 * ms) / total).toFixed(1)}%`;
    barCell.append(bar);
  }
  tr.append(label, value, barCell);
  return tr;
}
