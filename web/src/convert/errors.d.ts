/** A checkpoint or option the converter cannot handle; the message says why. */
export class ConvertError extends Error {
  constructor(message: string);
  readonly name: 'ConvertError';
}
