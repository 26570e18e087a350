/**
 * A history that cannot be checked: bad JSON, a field of the wrong shape, or events that do not pair up.
 * `line` is 1-based and names the offending line of the file (or event index + 1 for in-memory histories).
 */
export class HistoryFormatError extends Error {
  override readonly name = 'HistoryFormatError';
  readonly line: number;

  constructor(message: string, line: number, options?: { cause?: unknown }) {
    super(`line ${line}: ${message}`, options);
    this.line = line;
  }
}
