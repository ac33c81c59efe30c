// Errors of the publishing API as the client sees them: the HTTP status and the server's named JSON:API
// errors ({"errors":[{"status","code","title","detail","source"}]}), kept as sent so the command can print
// every one of them (a refused upload lists each failed check).

export interface ApiErrorObject {
  status: string;
  code: string;
  title: string;
  detail: string;
  source?: Record<string, string>;
}

/** A request the server answered with an error status (4xx/5xx). */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** e.g. "POST /api/v1/provider-versions". */
    readonly request: string,
    readonly status: number,
    readonly errors: ApiErrorObject[],
  ) {
    super(`${request} answered ${status}: ${errors.map((e) => `${e.code}: ${e.detail}`).join('; ') || 'no error document'}`);
  }

  /** True when any error has this code (e.g. NOT_FOUND, CONFLICT). */
  hasCode(code: string): boolean {
    return this.errors.some((e) => e.code === code);
  }
}

/**
 * A local failure that is not the server's answer: conflicting release contents, a release directory
 * that cannot be published, a key that does not fit. `usage` marks errors the caller fixes with other
 * arguments (exit 2).
 */
export class PublishError extends Error {
  override readonly name = 'PublishError';

  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
  }
}

const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : v === undefined ? fallback : String(v));

/** The error objects of a response body (JSON:API error document, or anything else as one error). */
export function parseErrorDocument(status: number, text: string): ApiErrorObject[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  const errors = (doc as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    return errors.map((e: Record<string, unknown>) => ({
      status: str(e.status, String(status)),
      code: str(e.code, 'ERROR'),
      title: str(e.title, ''),
      detail: str(e.detail, ''),
      ...(e.source && typeof e.source === 'object' ? { source: e.source as Record<string, string> } : {}),
    }));
  }
  const snippet = text.trim().slice(0, 300);
  return [{ status: String(status), code: 'HTTP_ERROR', title: '', detail: snippet || `HTTP ${status} without a body` }];
}
