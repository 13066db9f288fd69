/**
 * Two tiers of errors (DESIGN.md): invariant violations are plain `Error`s (bugs, shown with a stack
 * only under BTF_DEBUG=1); user mistakes are `UserError`s whose message already names the file, the
 * location, the stage or the flag. The CLI prints a UserError as one line and exits with code 2.
 */
export class UserError extends Error {
  /** Extra lines (e.g. one per validation error); the CLI prints each on its own line. */
  readonly lines: string[];
  constructor(message: string, lines: string[] = []) {
    super(message);
    this.name = 'UserError';
    this.lines = lines;
  }
}

/** Thrown when a run is interrupted (Ctrl-C, SIGTERM, abort signal). */
export class Interrupted extends Error {
  constructor(message = 'interrupted') {
    super(message);
    this.name = 'Interrupted';
  }
}

/** Throws `Interrupted` when the signal has fired; stages call this between units of work. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new Interrupted();
}
