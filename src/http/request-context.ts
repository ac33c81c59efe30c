// Per-request context: a request id (taken from X-Request-Id when sane, else new), the request's logger
// (request-log.ts: created on first use), the access decision (admission.ts: the caller identity, or a
// 401/403 answered here), and one access-log line per request (id, method, path, status, ms). Paths of
// download URLs are logged without their sealed ticket, and no Authorization header is ever logged.
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
import type { Admit } from './admission.js';
import type { AppEnv } from './env.js';
import { onError } from './error-handler.js';
import { RequestLog } from './request-log.js';

const SANE_REQUEST_ID = /^[\w.-]{1,64}$/;

/** The request id: the client's X-Request-Id when it is sane (1-64 of [A-Za-z0-9_.-]), else a new UUID. */
export function requestIdOf(given: string | string[] | undefined | null): string {
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** The access-log line's fields (the access line itself: RequestLog.access). */
export function accessFields(method: string, path: string, status: number, started: number): Record<string, unknown> {
  return { method, path: redactPath(path), status, ms: Math.round((performance.now() - started) * 10) / 10 };
}

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

export function requestContext(logger: Logger, admit: Admit): MiddlewareHandler<AppEnv> {
  return async function requestContextMiddleware(c, next) {
    const started = performance.now();
    const incoming = c.env?.incoming;
    const requestId = requestIdOf(incoming ? incoming.headers['x-request-id'] : c.req.header('x-request-id'));
    const log = new RequestLog(logger, requestId);
    c.set('requestId', requestId);
    c.set('log', log);
    // X-Request-Id: on the Node response after the handler (unless its answer already carries it, like
    // jsonText's: a header set beforehand would push Node's writeHead onto its slower merging path).
    const outgoing = c.env?.outgoing;
    if (!outgoing) c.header('X-Request-Id', requestId);
    try {
      let admitted = true;
      try {
        const admission = admit(c.req.method, c.req.path, incoming ? incoming.headers.authorization : (c.req.header('authorization') ?? undefined));
        c.set('caller', new RequestCaller(admission.caller, c.req.raw));
        if (admission.apiToken !== undefined) log.bind({ apiToken: admission.apiToken });
      } catch (err) {
        // Refused (401/403): answered here, so that the access line below records the refusal.
        admitted = false;
        c.res = onError(err as Error, c);
      }
      if (admitted) await next();
    } finally {
      if (outgoing && !outgoing.headersSent && c.get('requestIdSent') !== true) outgoing.setHeader('X-Request-Id', requestId);
      if (log.enabled('info')) log.access(accessFields(c.req.method, c.req.path, c.res.status, started));
    }
  };
}
