// The one error an import reports: what is wrong and where (FILE:LINE), and nothing was written.
import { CorralError } from '../errors.js';

/** A source file that cannot be imported; the CLI prints its message and exits 2. */
export class ImportError extends CorralError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
    this.name = 'ImportError';
  }
}
