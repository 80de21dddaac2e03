import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeCountsString, decodeCountsString, maskToCounts, encodeMask, decodeMask, rleArea, rleToBbox, rleCounts,
  mergeRles, compressRle, uncompressRle,
} from '../../web/src/coco/index.js';

// A 3x4 mask (height 3, width 4), row-major:
//   0 1 1 0
//   0 1 0 0
//   0 0 1 1
// Read column by column: 000 | 110 | 101 | 001, i.e. runs 3 bg, 2 fg, 1 bg, 1 fg, 1 bg, 1 fg,
// 2 bg, 1 fg.
const MASK = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1];
const MASK_COUNTS = [3, 2, 1, 1, 1, 1, 2, 1];
// Compressed: runs 0..2 are written as they are, later ones as the difference to the run two
// places back: 3, 2, 1, 1-2=-1, 1-1=0, 1-1=0, 2-1=1, 1-1=0. One character each: small
// non-negative v is chr(48+v); -1 is five one-bits (31) with the sign bit set and nothing
// following: chr(48+31) = 'O'.
const MASK_STRING = '321O0010';

test('run lengths of a row-major mask follow the columns', () => {
  assert.deepEqual(maskToCounts(MASK, 3, 4), MASK_COUNTS);
});

test('a known mask encodes to its hand-computed string and back', () => {
  assert.deepEqual(encodeMask(MASK, 3, 4), { size: [3, 4], counts: MASK_STRING });
  assert.deepEqual(Array.from(decodeMask({ size: [3, 4], counts: MASK_STRING })), MASK);
  assert.deepEqual(Array.from(decodeMask({ size: [3, 4], counts: MASK_COUNTS })), MASK);
});

test('multi-character and negative values in the string format', () => {
  // counts [0, 5, 40, 3] (a 6x8 mask):
  //   0 -> '0'; 5 -> '5';
  //   40 = 0b1_01000: low group 8 with more to come -> 8|0x20 = 40 -> chr(88) 'X', then 1 -> '1';
  //   3 - 5 = -2: low group 30 (0b11110), the rest is -1 and bit 0x10 is set -> chr(78) 'N'.
  assert.equal(encodeCountsString([0, 5, 40, 3]), '05X1N');
  assert.deepEqual(decodeCountsString('05X1N'), [0, 5, 40, 3]);
  // counts [1, 16, 2, 1]: 16 has bit 0x10 set, so a second character is needed to show it is
  // positive: 16|0x20 = 48 -> chr(96) '`', then '0'; 1 - 16 = -15: group 17 with the rest -1
  // -> chr(65) 'A'.
  assert.equal(encodeCountsString([1, 16, 2, 1]), '1`02A');
  assert.deepEqual(decodeCountsString('1`02A'), [1, 16, 2, 1]);
});

test('round trips of large and irregular run lengths', () => {
  const cases = [
    [0],
    [12],
    [0, 12],
    [7, 0, 5],
    [12, 1, 200000, 7, 3, 99999, 0, 4],
    [2 ** 31, 1, 2 ** 31 - 1],
    [5, 1000000, 3, 1, 1000000, 2, 31, 32, 33, 15, 16, 17],
  ];
  for (const counts of cases) assert.deepEqual(decodeCountsString(encodeCountsString(counts)), counts);
});

test('malformed strings are refused with a reason', () => {
  assert.throws(() => decodeCountsString('0p'), /outside/);
  assert.throws(() => decodeCountsString('X'), /ends inside a number/);
});

test('area and bounding box', () => {
  const rle = { size: [3, 4], counts: MASK_STRING };
  assert.equal(rleArea(rle), 5); // the five ones of MASK
  // ones in columns 1..3 and rows 0..2
  assert.deepEqual(rleToBbox(rle), [1, 0, 3, 3]);
  // a single pixel at column 2, row 1 of a 3x4 mask: 2*3+1 = 7 background pixels before it
  assert.deepEqual(rleToBbox({ size: [3, 4], counts: [7, 1, 4] }), [2, 1, 1, 1]);
  assert.deepEqual(rleToBbox({ size: [3, 4], counts: [12] }), [0, 0, 0, 0]);
  assert.equal(rleArea({ size: [3, 4], counts: [12] }), 0);
});

test('union and intersection', () => {
  // one column of 4: rows 1-2 and rows 2-3
  const a = { size: [4, 1], counts: [1, 2, 1] };
  const b = { size: [4, 1], counts: [2, 2] };
  assert.deepEqual(rleCounts(mergeRles([a, b])), [1, 3]);
  assert.deepEqual(rleCounts(mergeRles([a, b], true)), [2, 1, 1]);
  // a mask that starts with foreground keeps the leading zero-length background run
  const c = { size: [4, 1], counts: [0, 1, 3] };
  assert.deepEqual(rleCounts(mergeRles([c, b])), [0, 1, 1, 2]);
  assert.throws(() => mergeRles([a, { size: [2, 2], counts: [4] }]), /different sizes/);
});

test('compressed and uncompressed forms convert into each other', () => {
  assert.deepEqual(compressRle({ size: [3, 4], counts: MASK_COUNTS }), { size: [3, 4], counts: MASK_STRING });
  assert.deepEqual(uncompressRle({ size: [3, 4], counts: MASK_STRING }), { size: [3, 4], counts: MASK_COUNTS });
});

test('run lengths that do not cover the mask are refused', () => {
  assert.throws(() => rleCounts({ size: [3, 4], counts: [3, 2] }), /add up to 5 pixels but its size is 3x4/);
  assert.throws(() => rleCounts({ size: [3], counts: [3] }), /size must be/);
  assert.throws(() => rleCounts({ size: [1, 2], counts: [1, -1, 2] }), /non-negative/);
});
