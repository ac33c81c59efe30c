// Translates the OCI client's errors into application errors: what a missing manifest means depends on
// what was asked (provider, version, platform), while auth and availability errors map the same way
// everywhere. The HTTP layer never sees an OciError.
import { AppError, type ErrorCode } from './app-error.js';
import { isOciError } from '../oci/errors.js';
import { isLayoutError } from '../layout/errors.js';

/** Bearer challenge Terraform understands on a 401 from a registry API. */
const BEARER_CHALLENGE = 'Bearer realm="tf-oci-registry"';

/**
 * Rethrows `err` as an AppError. `notFound` is the code and message used when the store reports NOT_FOUND.
 */
export function toAppError(err: unknown, notFound: [ErrorCode, string], describeStore: string): AppError {
  if (err instanceof AppError) return err;
  if (isLayoutError(err)) {
    return new AppError('UPSTREAM_ERROR', `the artifact stored in the OCI registry is not usable: ${err.message}`, { cause: err });
  }
  if (!isOciError(err)) {
    if (err instanceof Error && err.name === 'AbortError') return new AppError('UPSTREAM_TIMEOUT', 'request aborted', { cause: err });
    return new AppError('INTERNAL', 'internal error', { cause: err });
  }
  switch (err.code) {
    case 'NOT_FOUND':
      return new AppError(notFound[0], notFound[1], { cause: err });
    case 'UNAUTHORIZED':
      return new AppError('UNAUTHORIZED', `the OCI registry requires authentication: ${err.message}`, {
        cause: err,
        headers: { 'WWW-Authenticate': BEARER_CHALLENGE },
      });
    case 'DENIED':
      return new AppError('FORBIDDEN', `the OCI registry denied access: ${err.message}`, { cause: err });
    case 'TIMEOUT':
      return new AppError('UPSTREAM_TIMEOUT', `the OCI registry at ${describeStore} did not answer in time`, { cause: err });
    case 'UNAVAILABLE':
      return new AppError('UPSTREAM_UNAVAILABLE', `the OCI registry at ${describeStore} is unavailable: ${err.message}`, { cause: err });
    case 'RATE_LIMITED':
      return new AppError('RATE_LIMITED', `the OCI registry at ${describeStore} is rate-limiting requests`, { cause: err });
    case 'DIGEST_MISMATCH':
    case 'SIZE_MISMATCH':
    case 'TOO_LARGE':
    case 'PROTOCOL':
    case 'INVALID':
    case 'UNSUPPORTED':
      return new AppError('UPSTREAM_ERROR', `the OCI registry at ${describeStore} returned bad content: ${err.message}`, { cause: err });
  }
}

/**
 * A storage failure met while writing (publishing, records): auth -> 401/403, down -> 502, timeout -> 504.
 * A NOT_FOUND that reaches this point is something just written that could not be found again: a 502.
 */
export function storeError(err: unknown, deps: { store: { describe: string } }): AppError {
  return toAppError(err, ['UPSTREAM_ERROR', 'the OCI registry lost content this server had just written'], deps.store.describe);
}
