/**
 * Every failure Escucha reports carries a stable code. The API turns codes into HTTP answers in one place
 * (services/api/error.middleware.ts); the CLI prints the code and message; workers store them as outcomes.
 */
export const ERROR_HTTP_STATUS = {
  BAD_REQUEST: 400,
  INVALID_METADATA: 400,
  INVALID_QUERY: 400,
  INVALID_EVALUATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CSRF_INVALID: 403,
  ACCOUNT_LOCKED: 423,
  TOO_MANY_REQUESTS: 429,
  NOT_FOUND: 404,
  CALL_NOT_FOUND: 404,
  LIVE_CALL_NOT_FOUND: 404,
  RANGE_NOT_SATISFIABLE: 416,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA: 415,
  INVALID_AUDIO: 422,
  EMPTY_UPLOAD: 422,
  CONFIG_INVALID: 500,
  PORT_IN_USE: 500,
  DATABASE_UNAVAILABLE: 503,
  STORAGE_UNAVAILABLE: 503,
  STORAGE_ERROR: 502,
  DISK_FULL: 507,
  RECORDING_CORRUPT: 500,
  ENCRYPTION_KEY_UNKNOWN: 500,
  OBJECT_NOT_FOUND: 404,
  TRANSCODE_FAILED: 500,
  TOOL_MISSING: 500,
  MODEL_NOT_INSTALLED: 409,
  MODEL_DOWNLOAD_FAILED: 502,
  MODEL_CHECKSUM_MISMATCH: 502,
  MODEL_INVALID: 500,
  ASR_FAILED: 500,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_HTTP_STATUS;

export class EscuchaError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EscuchaError';
    this.code = code;
    this.details = options?.details;
  }

  get httpStatus(): number {
    return ERROR_HTTP_STATUS[this.code];
  }
}

export function isEscuchaError(error: unknown, code?: ErrorCode): error is EscuchaError {
  return error instanceof EscuchaError && (code === undefined || error.code === code);
}

/** Whether an error (or its cause) is the file system saying it is out of space or quota. */
export function isDiskFull(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e instanceof EscuchaError && e.code === 'DISK_FULL') return true;
    if (e.code === 'ENOSPC' || e.code === 'EDQUOT') return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** Whether an error (or its cause) is the object store saying it cannot be reached (STORAGE_UNAVAILABLE). */
export function isStorageUnavailable(error: unknown): boolean {
  for (let e = error as { cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e instanceof EscuchaError && e.code === 'STORAGE_UNAVAILABLE') return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** Message of any thrown value, for logs and stored outcomes. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
