// Python's text for values, so the converter writes the configuration JSON byte for byte as
// convert.py does (json.dumps: repr() of floats, ASCII-only strings) and its error messages
// show values as Python would.

/** A float in the configuration: json.dumps writes it with repr() (1e-05, 0.0, 2.0). */
export class PyFloat {
  constructor(value) {
    this.value = Number(value);
  }
}

export const pyFloat = (value) => new PyFloat(value);

/** repr() of a Python float: the shortest round-trip digits, exponent below 1e-4 or from 1e16. */
export function floatRepr(x) {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const [mantissa, exponent] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const e = Number(exponent);
  const point = e + 1; // digits before the decimal point
  if (point < -3 || point > 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    return `${sign}${digits[0]}${frac}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** A number as Python prints it: integers plainly, others with repr(). */
export function numberRepr(x) {
  return typeof x === 'bigint' || Number.isInteger(x) ? String(x) : floatRepr(x);
}

const SHORT_ESCAPES = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** A JSON string literal as Python's json.dumps writes it (ensure_ascii: only ' '..'~' kept). */
export function jsonString(s, ensureAscii = true) {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const code = s.charCodeAt(i);
    if (SHORT_ESCAPES[ch]) out += SHORT_ESCAPES[ch];
    else if (code < 0x20 || (ensureAscii && code > 0x7e)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * json.dumps(value) with Python's default separators (', ', ': ') and ensure_ascii: objects
 * keep their key order; numbers are ints unless wrapped in PyFloat.
 */
export function pythonJson(value) {
  if (value instanceof PyFloat) {
    if (!Number.isFinite(value.value)) return Number.isNaN(value.value) ? 'NaN' : value.value > 0 ? 'Infinity' : '-Infinity';
    return floatRepr(value.value);
  }
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new TypeError(`pythonJson: ${value} is not an int (wrap floats in PyFloat)`);
    return String(value);
  }
  if (typeof value === 'string') return jsonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  return `{${Object.entries(value).map(([k, v]) => `${jsonString(k)}: ${pythonJson(v)}`).join(', ')}}`;
}

/** repr() of a str. */
export function stringRepr(s) {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0);
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's list(shape) text: [1, 2, 3]. */
export function listRepr(items) {
  return `[${items.map((v) => (typeof v === 'string' ? stringRepr(v) : numberRepr(v))).join(', ')}]`;
}
