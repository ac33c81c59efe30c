// Remote service discovery: GET /.well-known/terraform.json (docs/design/protocols.md §4.1). Values are relative to
// the discovery URL and end with "/" because clients resolve "ns/type/versions" against them.
import { Hono } from 'hono';
import type { AppEnv } from '../env.js';

export const SERVICES = {
  'providers.v1': '/v1/providers/',
} as const;

export function discoveryRoutes(extra: Record<string, string> = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const body = JSON.stringify({ ...SERVICES, ...extra });
  app.get('/.well-known/terraform.json', (c) => {
    c.header('Content-Type', 'application/json');
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(body);
  });
  return app;
}
