// The pipeline's entry for served requests: the Node request listener in front of Hono. It starts the
// request's scope (pipeline.ts) for EVERY request, then either answers a hot read route itself or hands
// the request, with its scope, to Hono's listener (the Hono adapter finishes it there).
//
// Hot routes (hot-routes.ts) are the warm metadata GETs every `terraform init` makes. They are the same
// route objects mounted on Hono; createApplication checks at start-up that Hono's router would send each
// of them to that same mount (assertHotRoutesMounted), and test/http/pipeline.test.ts compares every
// response header and body of both entries. Through Hono a warm metadata GET cost 19 to 25 µs of CPU, here
// 14 to 19 µs (bench/findings.md, "the hot lane"). Only plain GETs are taken: HEAD, other methods,
// percent-escaped paths (Hono decodes those) and absolute-form request targets go to Hono.
import type { IncomingMessage, OutgoingHttpHeaders, RequestListener, ServerResponse } from 'node:http';
import { errorAnswer } from '../error-handler.js';
import { compileHotRoutes, type HotMatch, type HotRoute } from './hot-routes.js';
import type { Pipeline, RequestScope } from './pipeline.js';
import { RequestCaller } from './request-caller.js';

/** Wraps the application's (Hono) listener with the pipeline's Node entry. */
export type ListenerWrapper = (hono: RequestListener) => RequestListener;

export function createNodeFront(pipeline: Pipeline, routes: readonly HotRoute[]): ListenerWrapper {
  const match = compileHotRoutes(routes);
  return (hono) =>
    function nodeFront(req: IncomingMessage, res: ServerResponse): void {
      const scope = pipeline.start(req.headers['x-request-id']);
      scope.userAgent = req.headers['user-agent'];
      const found = req.method === 'GET' ? hotMatch(match, req.url ?? '') : undefined;
      if (found === undefined) {
        pipeline.attach(req, scope);
        // A request Hono never finishes (a parse failure in the adapter, a crash): finished on close.
        res.once('close', () => {
          if (!scope.finished) {
            scope.describe(req.method ?? 'GET', (req.url ?? '').split('?')[0] ?? '');
            scope.finish(res.statusCode);
          }
        });
        void hono(req, res);
        return;
      }
      answer(scope, found.match, found.path, req, res);
    };
}

function hotMatch(match: (path: string) => HotMatch | undefined, url: string): { match: HotMatch; path: string } | undefined {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (path.charCodeAt(0) !== 0x2f /* "/" */ || path.includes('%')) return undefined;
  const m = match(path);
  return m === undefined ? undefined : { match: m, path };
}

/** One hot request: synchronous from request to response when the use case answers warm. */
function answer(scope: RequestScope, found: HotMatch, path: string, req: IncomingMessage, res: ServerResponse): void {
  scope.route = found.route.pattern;
  scope.params = found.params as Readonly<Record<string, string>>;
  let out: Buffer | Promise<Buffer>;
  try {
    const admission = scope.admit('GET', path, req.headers.authorization);
    out = found.route.answer(found.params, new RequestCaller(admission.caller, () => closeSignal(res)));
  } catch (err) {
    respondError(scope, path, res, err);
    return;
  }
  if (!(out instanceof Promise)) {
    respond(scope, res, out);
    return;
  }
  out.then(
    (body) => respond(scope, res, body),
    (err: unknown) => respondError(scope, path, res, err),
  );
}

function respond(scope: RequestScope, res: ServerResponse, body: Buffer): void {
  write(
    scope,
    res,
    200,
    {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'X-Request-Id': scope.requestId,
      'Content-Length': body.length,
    },
    body,
  );
}

function respondError(scope: RequestScope, path: string, res: ServerResponse, err: unknown): void {
  const e = errorAnswer(err, path, scope.log);
  write(scope, res, e.status, { ...e.headers, 'X-Request-Id': scope.requestId, 'Content-Length': Buffer.byteLength(e.body) }, e.body);
}

function write(scope: RequestScope, res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: string | Buffer): void {
  try {
    // A client gone while the answer was computed: nothing to send (the access line still records it).
    if (!res.destroyed && !res.headersSent) {
      res.writeHead(status, headers);
      res.end(body);
    }
  } catch (err) {
    scope.log.logger.warn({ err }, 'could not write the answer');
    res.destroy();
  }
  scope.finish(status);
}

/** An abort signal that fires when the client goes away before the answer is written. */
function closeSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  if (res.destroyed) controller.abort(new Error('client closed the connection'));
  else
    res.once('close', () => {
      if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
    });
  return controller.signal;
}
