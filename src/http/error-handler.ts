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
  if (appErr.status >= 500) log?.logger.error({ err, code: appErr.code }, appErr.message);
  else if (log?.enabled('info')) log.logger.info({ code: appErr.code, detail: appErr.message }, 'request refused');
  const type = path.startsWith('/api/') ? 'application/vnd.api+json' : 'application/json';
  return { status: appErr.status, headers: { ...appErr.headers, 'Content-Type': type }, body: JSON.stringify(errorDocument(appErr)) };
}

export function onError(err: Error, c: Context<AppEnv>): Response {
  const a = errorAnswer(err, c.req.path, c.get('log'));
  for (const [k, v] of Object.entries(a.headers)) c.header(k, v);
  return c.body(a.body, a.status as ContentfulStatusCode);
}

export function notFound(c: Context<AppEnv>): Response {
  return onError(new AppError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`), c);
}
