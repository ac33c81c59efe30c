// The OCI client's single error type. Codes are stable strings; callers (the use-case layer) translate
// them into application errors. Wire errors follow the distribution-spec error body {"errors":[...]}.

export type OciErrorCode =
  | 'NOT_FOUND' // manifest, blob, tag or repository unknown
  | 'UNAUTHORIZED' // 401: no or bad credentials
  | 'DENIED' // 403 or 401 insufficient_scope: credentials lack the right
  | 'INVALID' // 400: the registry refused what we sent
  | 'DIGEST_MISMATCH' // content did not hash to the digest it was fetched by
  | 'SIZE_MISMATCH' // content length differs from the descriptor
  | 'TOO_LARGE' // metadata over its read cap
  | 'UNSUPPORTED' // 405 / operation not supported by this registry
  | 'RATE_LIMITED' // 429 after retries
  | 'UNAVAILABLE' // network error or 5xx after retries
  | 'TIMEOUT' // no answer in time
  | 'PROTOCOL'; // the registry answered something the spec does not allow

/** One entry of the distribution-spec error body. */
export interface WireError {
  code: string;
  message?: string;
  detail?: unknown;
}

export interface OciErrorInit {
  status?: number;
  method?: string;
  url?: string;
  wire?: WireError[];
  /** The registry's WWW-Authenticate header on 401/403, for callers that pass challenges on. */
  challenge?: string;
  cause?: unknown;
}

export class OciError extends Error {
  override readonly name = 'OciError';
  readonly code: OciErrorCode;
  readonly status: number | undefined;
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly wire: WireError[];
  readonly challenge: string | undefined;

  constructor(code: OciErrorCode, message: string, init: OciErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.status = init.status;
    this.method = init.method;
    this.url = init.url;
    this.wire = init.wire ?? [];
    this.challenge = init.challenge;
  }
}

export function isOciError(err: unknown, code?: OciErrorCode): err is OciError {
  return err instanceof OciError && (code === undefined || err.code === code);
}
