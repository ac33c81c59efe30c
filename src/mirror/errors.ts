// Upstream failures as application errors (core/app-error.ts): what a client of the mirror sees when an
// upstream registry is down, slow, or serves something that does not verify. Every message names the
// upstream and what was wrong.
import { AppError } from '../core/app-error.js';
import { isUpstreamError } from '../upstream/errors.js';

export function toMirrorError(err: unknown, upstream: string): AppError {
  if (err instanceof AppError) return err;
  if (!isUpstreamError(err)) {
    if (err instanceof Error && err.name === 'AbortError')
      return new AppError('UPSTREAM_TIMEOUT', `${upstream}: request aborted`, { cause: err });
    return new AppError('UPSTREAM_ERROR', `${upstream}: ${(err as Error).message ?? String(err)}`, { cause: err });
  }
  switch (err.code) {
    case 'NOT_FOUND':
      return new AppError('NOT_FOUND', err.message, { cause: err });
    case 'TIMEOUT':
      return new AppError('UPSTREAM_TIMEOUT', err.message, { cause: err });
    case 'UNREACHABLE':
      return new AppError('UPSTREAM_UNAVAILABLE', err.message, { cause: err });
    case 'BAD_INPUT':
      return new AppError('VALIDATION_FAILED', err.message, { cause: err });
    case 'SIGNATURE_INVALID':
    case 'UNKNOWN_SIGNER':
      return new AppError('UPSTREAM_SIGNATURE_INVALID', err.message, { cause: err });
    case 'CHECKSUM_MISMATCH':
      return new AppError('UPSTREAM_CHECKSUM_MISMATCH', err.message, { cause: err });
    case 'PLATFORM_MISSING':
      return new AppError('UPSTREAM_PLATFORM_MISSING', err.message, { cause: err });
    default:
      // BAD_RESPONSE, NO_SERVICE, UNAUTHORIZED, TOO_LARGE, UNSUPPORTED
      return new AppError('UPSTREAM_ERROR', err.message, { cause: err });
  }
}
