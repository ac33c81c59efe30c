// JSON responses with the exact Content-Type the clients check (network mirror requires application/json).
import type { Context } from 'hono';

export function jsonResponse(c: Context, body: unknown, status: 200 | 201 | 202 = 200): Response {
  c.header('Content-Type', 'application/json');
  c.header('Cache-Control', 'no-store');
  return c.body(JSON.stringify(body), status);
}
