// The one error type of the converter: bad input (a damaged or hostile checkpoint, an
// architecture it cannot read, a bad option) is always reported as a ConvertError whose
// message names the problem.

export class ConvertError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ConvertError';
  }
}
