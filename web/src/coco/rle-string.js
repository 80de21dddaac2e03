// COCO's compressed RLE string: each run length is written as a signed variable-length
// integer, 5 value bits per character, least significant group first; bit 0x20 of a character
// says that more characters follow and bit 0x10 of the last one is the sign. Characters are
// offset by 48, so they fall in '0'..'o'. From the fourth run on, what is written is the
// difference to the run two places earlier (runs alternate background/foreground, so runs of
// the same kind tend to have similar lengths).

const CHAR_OFFSET = 48;
const UINT32 = 2 ** 32;

/**
 * Run lengths to a compressed string.
 * @param {ArrayLike<number>} counts run lengths, background first
 * @returns {string}
 */
export function encodeCountsString(counts) {
  let text = '';
  for (let i = 0; i < counts.length; i++) {
    let value = counts[i];
    if (i > 2) value -= counts[i - 2];
    for (;;) {
      const group = ((value % 32) + 32) % 32; // low five bits, also for negative values
      value = Math.floor(value / 32); // arithmetic shift right by five
      const more = group & 0x10 ? value !== -1 : value !== 0;
      text += String.fromCharCode((more ? group | 0x20 : group) + CHAR_OFFSET);
      if (!more) break;
    }
  }
  return text;
}

/**
 * A compressed string to run lengths.
 * @param {string} text
 * @returns {number[]}
 */
export function decodeCountsString(text) {
  if (typeof text !== 'string') throw new TypeError('compressed RLE counts must be a string');
  const counts = [];
  let p = 0;
  while (p < text.length) {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (p >= text.length) throw new RangeError('compressed RLE string ends inside a number');
      const code = text.charCodeAt(p++) - CHAR_OFFSET;
      if (code < 0 || code > 63) {
        throw new RangeError(`compressed RLE string has a character outside '0'..'o' at ${p - 1}`);
      }
      value += (code & 0x1f) * 2 ** shift;
      shift += 5;
      if (!(code & 0x20)) {
        if (code & 0x10) value -= 2 ** shift; // sign-extend
        break;
      }
    }
    if (counts.length > 2) value += counts[counts.length - 2];
    counts.push(((value % UINT32) + UINT32) % UINT32); // stored as uint32, like the reference
  }
  return counts;
}
