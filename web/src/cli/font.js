// A 5x7 bitmap font for printable ASCII (32-126), drawn for the CLI's overlay images (Node
// has no canvas to render text with). Each glyph is 7 rows, top first; each row a base-32
// digit whose 5 bits are the pixels, the leftmost pixel in the highest bit.
const GLYPHS = [
  '0000000', '4444404', 'aaa0000', 'aavavaa', '4fke5u4', 'op248j3', 'cik8lid', '4440000',
  '2488842', '8422248', '04lel40', '044v440', '0000c48', '000v000', '00000cc', '01248g0',
  'ehjlphe', '4c4444e', 'eh1248v', 'v2421he', '26aiv22', 'vgu11he', '68guhhe', 'v124888',
  'ehhehhe', 'ehhf12c', '0cc0cc0', '0cc0c48', '248g842', '00v0v00', '8421248', 'eh12404',
  'eh1dlle', 'ehhvhhh', 'uhhuhhu', 'ehggghe', 'sihhhis', 'vgguggv', 'vgguggg', 'ehgnhhf',
  'hhhvhhh', 'e44444e', '72222ic', 'hikokih', 'ggggggv', 'hrllhhh', 'hhpljhh', 'ehhhhhe',
  'uhhuggg', 'ehhhlid', 'uhhukih', 'fgge11u', 'v444444', 'hhhhhhe', 'hhhhha4', 'hhhllla',
  'hha4ahh', 'hha4444', 'v1248gv', 'e88888e', '0g84210', 'e22222e', '4ah0000', '000000v',
  '8420000', '00e1fhf', 'ggmphhu', '00egghe', '11djhhf', '00ehvge', '698s888', '0fhhf1e',
  'ggmphhh', '40c444e', '20622ic', 'ggikoki', 'c44444e', '00qllhh', '00mphhh', '00ehhhe',
  '00uhugg', '00djf11', '00mpggg', '00ege1u', '88s8896', '00hhhjd', '00hhha4', '00hhlla',
  '00ha4ah', '00hhf1e', '00v248v', '2448442', '4444444', '8442448', '008l200',
];
const UNKNOWN = 'vhhhhhv'; // a hollow box for characters outside printable ASCII

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
export const GLYPH_ADVANCE = 6; // one blank column between characters

/** Whether the glyph of character ch has pixel (x, y) set. */
export function glyphPixel(ch, x, y) {
  const code = ch.codePointAt(0);
  const glyph = code >= 32 && code <= 126 ? GLYPHS[code - 32] : UNKNOWN;
  return ((parseInt(glyph[y], 32) >> (GLYPH_WIDTH - 1 - x)) & 1) === 1;
}

/** Width in pixels of text at the given scale. */
export function textWidth(text, scale = 1) {
  const n = [...text].length;
  return n === 0 ? 0 : (n * GLYPH_ADVANCE - 1) * scale;
}
