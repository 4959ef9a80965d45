/**
 * Errors the user can act on. A UserInputError names the file, the place in it (byte
 * offset, field, key) and what was expected; the CLI maps it to exit code 2 and prints
 * its message on one line, the extension shows it without a stack trace.
 */
export class UserInputError extends Error {
  readonly file?: string;
  readonly where?: string;
  constructor(message: string, opts: { file?: string; where?: string } = {}) {
    const prefix = opts.file ? `${opts.file}${opts.where ? ` (${opts.where})` : ''}: ` : '';
    super(prefix + message);
    this.name = 'UserInputError';
    this.file = opts.file;
    this.where = opts.where;
  }
}

/** An op or layer exists in the file but the engine has no verified exact second-order path for it. */
export class UnsupportedError extends UserInputError {
  constructor(message: string, opts: { file?: string; where?: string } = {}) {
    super(message, opts);
    this.name = 'UnsupportedError';
  }
}

export function isUserInputError(e: unknown): e is UserInputError {
  return e instanceof Error && (e.name === 'UserInputError' || e.name === 'UnsupportedError');
}

export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'AbortError';
  }
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}
