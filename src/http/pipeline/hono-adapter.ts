// The pipeline's entry inside Hono (pipeline.ts): the ONLY middleware of the application. For a request the
// Node front started (served requests), it takes the front's scope; for app.request (tests, in-process
// benchmarks) it starts one. Either way it makes the access decision on Hono's path, sets the request's
// variables (requestId, log, caller), names the matched route template and finishes the scope.
//
// Cheap on purpose: under @hono/node-server the headers are read from the Node request and X-Request-Id
// is set on the Node response (no web Headers built), and the caller's abort signal is created only if an
// upstream call reads it (Caller.signal is a getter: @hono/node-server makes an AbortController per signal).
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from '../env.js';
import { onError } from '../error-handler.js';
import type { Pipeline } from './pipeline.js';
import { RequestCaller } from './request-caller.js';

export function pipelineMiddleware(pipeline: Pipeline): MiddlewareHandler<AppEnv> {
  return async function requestPipeline(c, next) {
    const incoming = c.env?.incoming;
    const outgoing = c.env?.outgoing;
    const fromFront = pipeline.scopeOf(incoming);
    const scope = fromFront ?? pipeline.start(incoming ? incoming.headers['x-request-id'] : c.req.header('x-request-id'));
    if (!fromFront) scope.userAgent = incoming ? incoming.headers['user-agent'] : c.req.header('user-agent');
    c.set('requestId', scope.requestId);
    c.set('log', scope.log);
    // X-Request-Id: on the Node response after the handler (unless its answer already carries it, like
    // jsonText's: a header set beforehand would push Node's writeHead onto its slower merging path).
    if (!outgoing) c.header('X-Request-Id', scope.requestId);
    try {
      let admitted = true;
      try {
        const authorization = incoming ? incoming.headers.authorization : (c.req.header('authorization') ?? undefined);
        const admission = scope.admit(c.req.method, c.req.path, authorization);
        const raw = c.req.raw;
        c.set('caller', new RequestCaller(admission.caller, () => raw.signal));
      } catch (err) {
        // Refused (401/403): answered here, so that the access line records the refusal.
        admitted = false;
        c.res = onError(err as Error, c);
      }
      if (admitted) await next();
    } finally {
      if (outgoing && !outgoing.headersSent && c.get('requestIdSent') !== true) outgoing.setHeader('X-Request-Id', scope.requestId);
      // The template of the route that answers (the last matched handler); "/*" alone is this middleware.
      const route = routePath(c, -1);
      scope.route = route === '/*' || route === '*' || route === '' ? undefined : route;
      scope.download = c.get('download');
      scope.outcome = c.get('outcome');
      if (scope.route !== undefined) scope.params = c.req.param() as Record<string, string>;
      scope.finish(c.res.status);
    }
  };
}
