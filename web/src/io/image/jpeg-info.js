// The frame header of a JPEG file (SOFn), read before decoding, so that a file declaring an
// image that is too large or of a kind the decoder cannot give as RGB is refused before any
// large allocation. Reads markers up to the first frame header; never trusts a length.

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

/** True when the bytes start like a JPEG file (SOI then a marker). */
export function isJpeg(bytes) {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === SOI && bytes[2] === 0xff;
}

// SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC), which share the range.
function isFrameHeader(marker) {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

// Markers that stand alone, without a length: TEM and RST0..7.
function isStandalone(marker) {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
}

/**
 * { width, height, components, precision, process } of a JPEG file's first frame
 * (process: 'baseline', 'progressive', 'lossless', ... by SOF marker). Throws an Error that
 * says what is wrong when the header is missing, truncated or malformed.
 */
export function readJpegInfo(bytes) {
  if (!isJpeg(bytes)) throw new Error('not a JPEG file (no start-of-image marker)');
  let at = 2;
  for (;;) {
    if (at >= bytes.length) throw new Error('truncated JPEG file: it ends before the frame header');
    if (bytes[at] !== 0xff) throw new Error(`malformed JPEG file: no marker at byte ${at}`);
    while (at < bytes.length && bytes[at] === 0xff) at++;  // fill bytes
    if (at >= bytes.length) throw new Error('truncated JPEG file: it ends before the frame header');
    const marker = bytes[at++];
    if (marker === EOI || marker === SOS) throw new Error('malformed JPEG file: no frame header before the image data');
    if (isStandalone(marker)) continue;
    if (at + 2 > bytes.length) throw new Error('truncated JPEG file: it ends inside a marker segment');
    const length = (bytes[at] << 8) | bytes[at + 1];
    if (length < 2) throw new Error(`malformed JPEG file: a marker segment of length ${length} at byte ${at}`);
    if (isFrameHeader(marker)) {
      if (length < 8 || at + 8 > bytes.length) throw new Error('truncated JPEG file: the frame header is cut short');
      return {
        precision: bytes[at + 2],
        height: (bytes[at + 3] << 8) | bytes[at + 4],
        width: (bytes[at + 5] << 8) | bytes[at + 6],
        components: bytes[at + 7],
        process: processOf(marker),
      };
    }
    at += length;
  }
}

function processOf(marker) {
  switch (marker & 0x03) {
    case 0: return marker === 0xc0 ? 'baseline' : 'sequential';
    case 2: return 'progressive';
    case 3: return 'lossless';
    default: return 'sequential';
  }
}
