// Every error code corral reports, with its message template and HTTP status.
// docs/errors.md lists the same table; test/unit/errors.test.ts keeps them in step.

export const ERROR_CODES = {
  CONFIG_INVALID: { status: 400, message: 'The configuration is invalid' },
  CONFIG_NOT_FOUND: { status: 400, message: 'No configuration file found' },
  BAD_REQUEST: { status: 400, message: 'The request is malformed' },
  BAD_SIGNAL: { status: 400, message: 'Unknown signal' },
  BAD_DURATION: { status: 400, message: 'Not a duration' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  SERVICE_NOT_FOUND: { status: 404, message: 'No such service' },
  PROJECT_NOT_FOUND: { status: 404, message: 'No such project' },
  AMBIGUOUS_NAME: { status: 409, message: 'The name matches services of several projects' },
  NOT_RUNNING: { status: 409, message: 'The service is not running' },
  DAEMON_RUNNING: { status: 409, message: 'A daemon is already running for this home' },
  DAEMON_UNREACHABLE: { status: 503, message: 'No daemon is reachable' },
  HOME_UNUSABLE: { status: 500, message: 'The home directory cannot be used' },
  SPAWN_FAILED: { status: 500, message: 'The process could not be started' },
  INTERNAL: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

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

export function isCorralError(e: unknown): e is CorralError {
  return e instanceof CorralError;
}
