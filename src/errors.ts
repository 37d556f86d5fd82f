// Every error code corral reports, with its message template, HTTP status and CLI exit code.
// docs/errors.md lists the same table; test/unit/errors.test.ts keeps them in step.
// CLI exit codes (SPEC): 0 done, 1 an operation failed, 2 usage or config error, 3 no daemon.

export const ERROR_CODES = {
  CONFIG_INVALID: { status: 400, exit: 2, message: 'The configuration is invalid' },
  CONFIG_NOT_FOUND: { status: 400, exit: 2, message: 'No configuration file found' },
  BAD_REQUEST: { status: 400, exit: 2, message: 'The request is malformed' },
  BAD_SIGNAL: { status: 400, exit: 2, message: 'Unknown signal' },
  BAD_DURATION: { status: 400, exit: 2, message: 'Not a duration' },
  FORBIDDEN: { status: 403, exit: 1, message: 'Not served on this transport' },
  NOT_FOUND: { status: 404, exit: 1, message: 'Not found' },
  SERVICE_NOT_FOUND: { status: 404, exit: 2, message: 'No such service' },
  PROJECT_NOT_FOUND: { status: 404, exit: 2, message: 'No such project' },
  AMBIGUOUS_NAME: { status: 409, exit: 2, message: 'The name matches services of several projects' },
  NOT_RUNNING: { status: 409, exit: 1, message: 'The service is not running' },
  STOP_FAILED: { status: 409, exit: 1, message: 'A process could not be stopped' },
  DAEMON_RUNNING: { status: 409, exit: 1, message: 'A daemon is already running for this home' },
  DAEMON_UNREACHABLE: { status: 503, exit: 3, message: 'No daemon is reachable' },
  HOME_UNUSABLE: { status: 500, exit: 1, message: 'The home directory cannot be used' },
  SPAWN_FAILED: { status: 500, exit: 1, message: 'The process could not be started' },
  INTERNAL: { status: 500, exit: 1, message: 'Internal error' },
} as const satisfies Record<string, { status: number; exit: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a stable code that the API and the CLI know how to report. */
export class CorralError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    const known = ERROR_CODES[code] as (typeof ERROR_CODES)[ErrorCode] | undefined;
    super(message ?? known?.message ?? code);
    this.name = 'CorralError';
    this.code = code;
    this.status = known?.status ?? 500;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** The exit code of the CLI for `e`: its code's `exit`, or 1 for anything that is not a CorralError. */
export function exitCodeFor(e: unknown): number {
  if (!isCorralError(e)) return 1;
  const known = ERROR_CODES[e.code] as (typeof ERROR_CODES)[ErrorCode] | undefined;
  return known?.exit ?? 1;
}

/** Whether `e` is a CorralError. */
export function isCorralError(e: unknown): e is CorralError {
  return e instanceof CorralError;
}
