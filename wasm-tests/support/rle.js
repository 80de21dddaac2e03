// A decoder of COCO's compressed RLE strings (pycocotools' rleFrString), written from the
// format's description, to check the masks the CLI writes: runs alternate 0s and 1s over the
// image in column-major order; each count is a little-endian base-32 varint of 5-bit groups
// (+48 as a character, 0x20 = more follows, the last group's 0x10 the sign), and from the
// fourth count on, each is stored as the difference to the count two before.
export function decodeRle(counts, height, width) {
  const runs = [];
  let p = 0;
  while (p < counts.length) {
    let value = 0;
    let shift = 0;
    let more = true;
    let c = 0;
    while (more) {
      c = counts.charCodeAt(p++) - 48;
      value |= (c & 0x1f) << shift;
      more = (c & 0x20) !== 0;
      shift += 5;
      if (!more && (c & 0x10)) value |= -1 << shift;
    }
    if (runs.length > 2) value += runs[runs.length - 2];
    runs.push(value);
  }
  const mask = new Uint8Array(width * height); // row-major
  let at = 0;
  runs.forEach((run, k) => {
    for (let i = 0; i < run; i++, at++) {
      if (k % 2 === 1) {
        const x = Math.floor(at / height);
        const y = at % height;
        mask[y * width + x] = 1;
      }
    }
  });
  if (at !== width * height) throw new Error(`RLE covers ${at} pixels, the image has ${width * height}`);
  return mask;
}
