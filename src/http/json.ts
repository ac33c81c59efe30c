// JSON responses with the exact Content-Type the clients check (network mirror requires application/json).
// Warm metadata answers are memoized use-case results (src/read-cache/memoized.ts): JsonBodies serializes
// each result object once, so a warm request does no JSON.stringify. Under @hono/node-server the answer
// is a Response with plain-object headers (X-Request-Id included), which the server writes without
// building web Headers.
import type { Context } from 'hono';
import type { AppEnv } from './env.js';
import { servedByNode } from './node-io.js';

type Status = 200 | 201 | 202;

/** A JSON answer from a value (serialized here). */
export function jsonResponse(c: Context<AppEnv>, body: unknown, status: Status = 200): Response {
  return jsonText(c, JSON.stringify(body), status);
}

/** A JSON answer from text already serialized. */
export function jsonText(c: Context<AppEnv>, text: string, status: Status = 200): Response {
  if (servedByNode(c)) {
    c.set('requestIdSent', true);
    return new Response(text, {
      status,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Request-Id': c.get('requestId') },
    });
  }
  c.header('Content-Type', 'application/json');
  c.header('Cache-Control', 'no-store');
  return c.body(text, status);
}

/**
 * The JSON text of each result object, rendered and serialized once: `render` builds the document from
 * the result (adding what the HTTP layer adds, e.g. absolute download URLs). Keyed weakly on the result,
 * so a text lives exactly as long as the memoized result it was made from. One instance per route.
 */
export class JsonBodies<T extends object> {
  readonly #texts = new WeakMap<T, string>();
  readonly #render: (result: T) => unknown;

  constructor(render: (result: T) => unknown) {
    this.#render = render;
  }

  text(result: T): string {
    let text = this.#texts.get(result);
    if (text === undefined) {
      text = JSON.stringify(this.#render(result));
      this.#texts.set(result, text);
    }
    return text;
  }
}
