// Liveness (/healthz: the process answers) and readiness (/readyz: the store answers).
import { Hono } from 'hono';
import type { Readiness } from '../../core/readiness.js';
import type { AppEnv } from '../env.js';
import { jsonResponse } from '../json.js';

export function healthRoutes(services: Readiness): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => jsonResponse(c, { status: 'ok' }));
  app.get('/readyz', async (c) => {
    await services.ready(AbortSignal.timeout(5000));
    return jsonResponse(c, { status: 'ready', store: services.describeStore });
  });
  return app;
}
