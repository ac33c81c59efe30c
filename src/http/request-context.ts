// Per-request context: a request id (taken from X-Request-Id when sane, else new), the request's logger
// (request-log.ts: created on first use), the caller identity, and one access-log line per request (id,
// method, path, status, ms). Paths of download URLs are logged without their sealed ticket, and no
// Authorization header is ever logged.
//
// Cheap on purpose: it runs on every request, and a warm metadata request is otherwise a few map lookups.
// Under @hono/node-server the headers are read from the Node request and X-Request-Id is set on the Node
// response (no web Headers built), and the caller's abort signal is created only if an upstream call
// reads it (Caller.signal is a getter: @hono/node-server makes an AbortController per signal).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { Caller } from '../registry/context.js';
import type { AppEnv } from './env.js';
import { RequestLog } from './request-log.js';

/**
 * Decides who is calling from the request: the Caller the use cases act as (src/auth/access-control.ts
 * implements it per auth mode: delegated credential, service identity, or anonymous). Must not throw
 * for bad credentials; the permission middleware refuses those on the routes that need a caller.
 * `incoming` (when served by @hono/node-server) lets it read headers without building web Headers.
 */
export type Authenticate = (req: Request, incoming?: IncomingMessage) => Caller | Promise<Caller>;

const SANE_REQUEST_ID = /^[\w.-]{1,64}$/;

/** Redacts sealed tickets from download paths: /download/<ticket>/<file> -> /download/…/<file>. */
export function redactPath(path: string): string {
  return path.startsWith('/download/') ? path.replace(/^\/download\/[^/]+\//, '/download/…/') : path;
}

/** The caller as the use cases see it: its signal is the request's, created only when read. */
class RequestCaller implements Caller {
  readonly principal: string;
  readonly credential: Caller['credential'];
  readonly #req: Request;

  constructor(caller: Caller, req: Request) {
    this.principal = caller.principal;
    this.credential = caller.credential;
    this.#req = req;
  }

  get signal(): AbortSignal {
    return this.#req.signal;
  }
}

export function requestContext(logger: Logger, authenticate: Authenticate): MiddlewareHandler<AppEnv> {
  return async function requestContextMiddleware(c, next) {
    const started = performance.now();
    const incoming = c.env?.incoming;
    const given = incoming ? incoming.headers['x-request-id'] : c.req.header('x-request-id');
    const requestId = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    const log = new RequestLog(logger, requestId);
    c.set('requestId', requestId);
    c.set('log', log);
    // X-Request-Id: on the Node response after the handler (unless its answer already carries it, like
    // jsonText's: a header set beforehand would push Node's writeHead onto its slower merging path).
    const outgoing = c.env?.outgoing;
    if (!outgoing) c.header('X-Request-Id', requestId);
    try {
      const found = authenticate(c.req.raw, incoming);
      const caller = found instanceof Promise ? await found : found;
      c.set('caller', new RequestCaller(caller, c.req.raw));
      await next();
    } finally {
      if (outgoing && !outgoing.headersSent && c.get('requestIdSent') !== true) outgoing.setHeader('X-Request-Id', requestId);
      if (log.enabled('info')) log.access({ method: c.req.method, path: redactPath(c.req.path), status: c.res.status, ms: Math.round((performance.now() - started) * 10) / 10 });
    }
  };
}
