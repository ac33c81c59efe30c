// Per-request context: a request id (taken from X-Request-Id when sane, else new), a child logger, the
// caller identity, and one access-log line per request (id, method, path, status, ms). Paths of
// download URLs are logged without their sealed ticket, and no Authorization header is ever logged.
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { Caller } from '../registry/context.js';
import type { AppEnv } from './env.js';

/**
 * Decides who is calling from the request: the Caller the use cases act as (src/auth/access-control.ts
 * implements it per auth mode: delegated credential, service identity, or anonymous). Must not throw
 * for bad credentials; the permission middleware refuses those on the routes that need a caller.
 */
export type Authenticate = (req: Request) => Caller | Promise<Caller>;

/** Redacts sealed tickets from download paths: /download/<ticket>/<file> -> /download/…/<file>. */
export function redactPath(path: string): string {
  return path.replace(/^\/download\/[^/]+\//, '/download/…/');
}

export function requestContext(logger: Logger, authenticate: Authenticate): MiddlewareHandler<AppEnv> {
  return async function requestContextMiddleware(c, next) {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const requestId = given && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    const log = logger.child({ reqId: requestId });
    c.set('requestId', requestId);
    c.set('log', log);
    c.header('X-Request-Id', requestId);
    try {
      const caller = await authenticate(c.req.raw);
      c.set('caller', { ...caller, signal: c.req.raw.signal });
      await next();
    } finally {
      // The current logger: the permission middleware may have added the API token's name (audit).
      c.get('log').info(
        { method: c.req.method, path: redactPath(c.req.path), status: c.res.status, ms: Math.round((performance.now() - started) * 10) / 10 },
        'request',
      );
    }
  };
}
