// convert() loads the converter's modules when first called: a program or page that only
// segments does not hold them (about 6 MB of a Node process; a bundler makes them a chunk of
// their own).

/** Converts a torchvision checkpoint to a model file (see index.d.ts). */
export async function convert(checkpoint, options) {
  const { convert: run } = await import('../convert/convert.js');
  return run(checkpoint, options);
}
