// The one place errors become responses: AppError -> its status and a JSON:API-style error body
// ({"errors":[{"status","code","title","detail"}]}); anything else -> 500, logged with its stack, and
// never shown to the client. Also the 404 for unknown routes.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError, isAppError } from '../core/app-error.js';
import type { AppEnv } from './env.js';
import type { RequestLog } from './pipeline/request-log.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** JSON:API error document for an AppError. */
export function errorDocument(err: AppError): { errors: Array<Record<string, unknown>> } {
  const title = TITLES[err.status] ?? 'Error';
  const first: Record<string, unknown> = { status: String(err.status), code: err.code, title, detail: err.message };
  if (err.source) first.source = err.source;
  return {
    errors: [first, ...err.details.map((d) => ({ status: String(err.status), code: err.code, title, detail: d }))],
  };
}

/** An error as the response to send: status, headers (Content-Type included) and JSON:API body. */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The answer to an error on `path`, logged on the request's log: AppError -> its status (client errors at
 * info), anything else -> 500, logged with its stack and never shown to the client.
 */
export function errorAnswer(err: unknown, path: string, log: RequestLog | undefined): ErrorAnswer {
  const appErr = isAppError(err) ? err : new AppError('INTERNAL', 'internal error');
  if (appErr.status >= 500 && isAppError(err) && appErr.code !== 'INTERNAL') {
    // An expected failure (the registry down, slow, rate-limiting): one line with what happened and its
    // first cause, no stack and no cause chain repeating the same message (docs/operations.md#shutdown).
    log?.logger.warn({ code: appErr.code, detail: appErr.message, ...causeField(appErr) }, 'request failed');
  } else if (appErr.status >= 500) log?.logger.error({ err, code: appErr.code }, appErr.message);
  else if (log?.enabled('info')) log.logger.info({ code: appErr.code, detail: appErr.message }, 'request refused');
  const type = path.startsWith('/api/') ? 'application/vnd.api+json' : 'application/json';
  return { status: appErr.status, headers: { ...appErr.headers, 'Content-Type': type }, body: JSON.stringify(errorDocument(appErr)) };
}

/**
 * Why a request failed, as a short metric label (docs/operations.md#metrics, publish outcomes):
 * `verification:<check>` for a refused artifact (the "(<check> check)" its messages name), `registry_error`
 * when the OCI registry failed, `refused:<code>` for anything else (conflict, bad_request, ...).
 */
export function outcomeReason(err: unknown): string {
  if (!isAppError(err)) return 'internal_error';
  if (err.code === 'PAYLOAD_TOO_LARGE') return 'verification:size_limit';
  if (err.status === 422) {
    const m = /\(([a-z ]+) check\)/.exec([err.message, ...err.details].join('\n'));
    return m ? `verification:${m[1]!.replaceAll(' ', '_')}` : 'verification';
  }
  if (err.status >= 502 && err.status <= 504) return 'registry_error';
  if (err.code.startsWith('UPSTREAM') || err.code === 'RATE_LIMITED') return 'registry_error';
  return err.status >= 500 ? 'internal_error' : `refused:${err.code.toLowerCase()}`;
}

/** The message of an error's first cause, when the error's own message does not already say it. */
function causeField(err: Error): { cause?: string } {
  const cause = (err as { cause?: unknown }).cause;
  const text = cause instanceof Error ? cause.message : undefined;
  return text && !err.message.includes(text) ? { cause: text } : {};
}

export function onError(err: Error, c: Context<AppEnv>): Response {
  c.set('outcome', outcomeReason(err));
  const a = errorAnswer(err, c.req.path, c.get('log'));
  for (const [k, v] of Object.entries(a.headers)) c.header(k, v);
  return c.body(a.body, a.status as ContentfulStatusCode);
}

export function notFound(c: Context<AppEnv>): Response {
  return onError(new AppError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`), c);
}
