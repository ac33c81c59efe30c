// Liveness (/healthz) and readiness (/readyz).
// /healthz is a liveness probe only: it answers 200 {"status":"ok"} whenever the process's event loop
// serves HTTP, and touches no store (a registry outage must not get the process restarted). /readyz asks
// the store (GET /v2/ for a registry, on the metadata connection pool, which downloads cannot take) and
// answers 503 naming why when it does not answer within the readiness timeout (src/core/readiness.ts).
import { Hono } from 'hono';
import type { Readiness } from '../../core/readiness.js';
import type { AppEnv } from '../env.js';
import { jsonResponse } from '../json.js';

export function healthRoutes(services: Readiness): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => jsonResponse(c, { status: 'ok' }));
  app.get('/readyz', async (c) => {
    await services.ready();
    return jsonResponse(c, { status: 'ready', store: services.describeStore });
  });
  return app;
}
