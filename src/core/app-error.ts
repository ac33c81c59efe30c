// The application's single error type: a stable code, its HTTP status and a message for the client.
// Use cases throw AppError; the one onError handler in http/ turns it into a JSON:API-style error body.
// Modelled on distribution's errcode registry: every code is declared once with its status.

export const ERROR_CODES = {
  BAD_REQUEST: 400,
  INVALID_ADDRESS: 400,
  INVALID_VERSION: 400,
  VALIDATION_FAILED: 422,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  URL_EXPIRED: 403,
  URL_INVALID: 403,
  NOT_FOUND: 404,
  PROVIDER_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  PLATFORM_NOT_FOUND: 404,
  MODULE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_ARTIFACT: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UPSTREAM_ERROR: 502,
  UPSTREAM_UNAVAILABLE: 502,
  /** Mirror population: an upstream release whose signature, checksums or platform list do not verify. */
  UPSTREAM_SIGNATURE_INVALID: 502,
  UPSTREAM_CHECKSUM_MISMATCH: 502,
  UPSTREAM_PLATFORM_MISSING: 502,
  NOT_READY: 503,
  UPSTREAM_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AppErrorOptions {
  cause?: unknown;
  /** Extra response headers (e.g. WWW-Authenticate on 401). */
  headers?: Record<string, string>;
  /** JSON:API `source`, e.g. { pointer: '/data/attributes/version' }. */
  source?: Record<string, string>;
  /** Further messages when one request fails several checks. */
  details?: string[];
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly source: Record<string, string> | undefined;
  readonly details: string[];

  constructor(code: ErrorCode, message: string, opts: AppErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.status = ERROR_CODES[code];
    this.headers = opts.headers ?? {};
    this.source = opts.source;
    this.details = opts.details ?? [];
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
