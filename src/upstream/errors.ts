// The single error type of the upstream provider sources. Codes are stable strings; the mirror use cases
// turn them into application errors (e.g. NOT_FOUND -> 404, UNREACHABLE/TIMEOUT -> 502/504).

export type UpstreamErrorCode =
  | 'NOT_FOUND' // the provider, version, platform, file or document does not exist upstream
  | 'UNAUTHORIZED' // 401/403 from the upstream
  | 'UNREACHABLE' // network failure, or a 5xx / 429 answer after retries
  | 'TIMEOUT' // no (complete) answer within the configured time
  | 'BAD_RESPONSE' // an answer the protocol does not allow (status, JSON shape, size, URL, content type)
  | 'NO_SERVICE' // the host's service discovery document offers no providers.v1
  | 'SIGNATURE_INVALID' // SHA256SUMS signature does not verify, or the signature/key is unreadable
  | 'UNKNOWN_SIGNER' // SHA256SUMS is signed, but by none of the trusted keys
  | 'CHECKSUM_MISMATCH' // bytes differ from SHA256SUMS / the download endpoint's shasum / a zh: or h1: hash
  | 'PLATFORM_MISSING' // a platform's package is not listed in SHA256SUMS (or not offered by the source)
  | 'TOO_LARGE' // a package body past its size limit
  | 'UNSUPPORTED' // a layout or feature this code deliberately does not read (e.g. unpacked mirror dirs)
  | 'BAD_INPUT'; // user input that does not parse: lock file, version constraint, provider address

export interface UpstreamErrorInit {
  /** The URL or path involved (query strings removed), for logs. */
  location?: string;
  /** HTTP status when the error comes from an answer. */
  status?: number;
  cause?: unknown;
}

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly code: UpstreamErrorCode;
  readonly location: string | undefined;
  readonly status: number | undefined;

  constructor(code: UpstreamErrorCode, message: string, init: UpstreamErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.location = init.location;
    this.status = init.status;
  }
}

export function isUpstreamError(err: unknown, code?: UpstreamErrorCode): err is UpstreamError {
  return err instanceof UpstreamError && (code === undefined || err.code === code);
}
