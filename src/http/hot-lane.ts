// The hot lane: the Node request listener in front of Hono that answers the hot read routes
// (hot-routes.ts) itself, and hands every other request to Hono's listener unchanged. Through Hono a warm
// metadata GET cost 19 to 25 µs of CPU, the use case itself < 1 µs; on this lane 14 to 19 µs, about what
// any Node server pays per response (bench/findings.md, "the hot lane"). Same semantics as the Hono path, from the same parts: request id (requestIdOf), the
// one access decision (Admit), the use case (the route's answer), errors (errorAnswer), the access line.
// Only plain GETs are taken: HEAD, other methods, percent-escaped paths (Hono decodes those) and
// absolute-form request targets go to Hono.
import type { IncomingMessage, OutgoingHttpHeaders, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Caller } from '../registry/context.js';
import type { Admit } from './admission.js';
import { errorAnswer } from './error-handler.js';
import { compileHotRoutes, type HotMatch, type HotRoute } from './hot-routes.js';
import { accessFields, requestIdOf } from './request-context.js';
import { RequestLog } from './request-log.js';

export interface HotLaneOptions {
  routes: readonly HotRoute[];
  admit: Admit;
  logger: Logger;
}

/** Wraps the application's (Hono) listener: hot routes answered in front, the rest passed through. */
export type ListenerWrapper = (fallback: RequestListener) => RequestListener;

export function createHotLane(opts: HotLaneOptions): ListenerWrapper {
  const match = compileHotRoutes(opts.routes);
  return (fallback) =>
    function hotLane(req: IncomingMessage, res: ServerResponse): void {
      if (req.method !== 'GET') return void fallback(req, res);
      const url = req.url ?? '';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      if (path.charCodeAt(0) !== 0x2f /* "/" */ || path.includes('%')) return void fallback(req, res);
      const found = match(path);
      if (found === undefined) return void fallback(req, res);
      answer(opts, found, path, req, res);
    };
}

/** One request on the hot lane: synchronous from request to response when the use case answers warm. */
function answer(opts: HotLaneOptions, found: HotMatch, path: string, req: IncomingMessage, res: ServerResponse): void {
  const started = performance.now();
  const requestId = requestIdOf(req.headers['x-request-id']);
  const log = new RequestLog(opts.logger, requestId);
  const r: Responder = { res, requestId, log, path, started };
  let out: string | Promise<string>;
  try {
    const admission = opts.admit('GET', path, req.headers.authorization);
    if (admission.apiToken !== undefined) log.bind({ apiToken: admission.apiToken });
    out = found.route.answer(found.params, new NodeCaller(admission.caller, res));
  } catch (err) {
    return respondError(r, err);
  }
  if (typeof out === 'string') return respond(r, out);
  out.then((text) => respond(r, text), (err: unknown) => respondError(r, err));
}

interface Responder {
  res: ServerResponse;
  requestId: string;
  log: RequestLog;
  path: string;
  started: number;
}

function respond(r: Responder, text: string): void {
  write(r, 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Request-Id': r.requestId, 'Content-Length': Buffer.byteLength(text) }, text);
}

function respondError(r: Responder, err: unknown): void {
  const e = errorAnswer(err, r.path, r.log);
  write(r, e.status, { ...e.headers, 'X-Request-Id': r.requestId, 'Content-Length': Buffer.byteLength(e.body) }, e.body);
}

function write(r: Responder, status: number, headers: OutgoingHttpHeaders, body: string): void {
  const { res, log } = r;
  try {
    // A client gone while the answer was computed: nothing to send (the access line still records it).
    if (!res.destroyed && !res.headersSent) {
      res.writeHead(status, headers);
      res.end(body);
    }
  } catch (err) {
    log.logger.warn({ err }, 'hot lane: could not write the answer');
    res.destroy();
  }
  if (log.enabled('info')) log.access(accessFields('GET', r.path, status, r.started));
}

/** The caller as the use cases see it: its abort signal (client gone) is created only when read. */
class NodeCaller implements Caller {
  readonly principal: string;
  readonly credential: Caller['credential'];
  readonly #res: ServerResponse;
  #controller: AbortController | undefined;

  constructor(caller: Caller, res: ServerResponse) {
    this.principal = caller.principal;
    this.credential = caller.credential;
    this.#res = res;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      const res = this.#res;
      if (res.destroyed) controller.abort(new Error('client closed the connection'));
      else res.once('close', () => { if (!res.writableFinished) controller.abort(new Error('client closed the connection')); });
    }
    return this.#controller.signal;
  }
}
