// JSON responses with the exact Content-Type the clients check (network mirror requires application/json).
// Warm metadata answers are memoized use-case results (src/read-cache/memoized.ts): JsonBodies serializes
// each result object once, to UTF-8 bytes, so a warm request does no JSON.stringify and no UTF-8
// encoding (bench/findings.md, "The log destination, and a lighter finish"). Under @hono/node-server the answer
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

/** A JSON answer from text already serialized (a string, or its UTF-8 bytes). */
export function jsonText(c: Context<AppEnv>, text: string | Buffer, status: Status = 200): Response {
  if (servedByNode(c)) {
    c.set('requestIdSent', true);
    return new Response(bodyOf(text), {
      status,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Request-Id': c.get('requestId') },
    });
  }
  c.header('Content-Type', 'application/json');
  c.header('Cache-Control', 'no-store');
  return c.body(bodyOf(text), status);
}

/** The body as web APIs type it: the string, or a view of the same bytes (no copy). */
function bodyOf(text: string | Buffer): string | Uint8Array<ArrayBuffer> {
  return typeof text === 'string' ? text : new Uint8Array(text.buffer as ArrayBuffer, text.byteOffset, text.length);
}

/**
 * The JSON body (UTF-8 bytes) of each result object, rendered and serialized once: `render` builds the
 * document from the result (adding what the HTTP layer adds, e.g. absolute download URLs). Keyed weakly on
 * the result, so a body lives exactly as long as the memoized result it was made from. One instance per route.
 */
export class JsonBodies<T extends object> {
  readonly #bodies = new WeakMap<T, Buffer>();
  readonly #render: (result: T) => unknown;

  constructor(render: (result: T) => unknown) {
    this.#render = render;
  }

  body(result: T): Buffer {
    let body = this.#bodies.get(result);
    if (body === undefined) {
      body = Buffer.from(JSON.stringify(this.#render(result)), 'utf8');
      this.#bodies.set(result, body);
    }
    return body;
  }
}
