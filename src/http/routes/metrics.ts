// GET /metrics: the Prometheus exposition of src/metrics/ (docs/operations.md#metrics), on the main
// listener when [metrics] enabled = true and no metrics.listen is set (serve.ts then runs its own).
import { Hono } from 'hono';
import type { AppEnv } from '../env.js';

export type RenderMetrics = () => Promise<{ contentType: string; body: string }>;

export function metricsRoutes(render: RenderMetrics): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/metrics', async () => {
    const { contentType, body } = await render();
    return new Response(body, { status: 200, headers: { 'Content-Type': contentType, 'Cache-Control': 'no-store' } });
  });
  return app;
}
