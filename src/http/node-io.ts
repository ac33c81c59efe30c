// The only place the HTTP layer reaches past Hono into Node's request and response. Under
// @hono/node-server (c.env.incoming / outgoing) request bodies are read from the IncomingMessage itself
// and blobs are piped straight into the socket: touching c.req.raw.body would make the adapter convert
// the body to a web stream, and a web stream per download chunk costs CPU (bench/findings.md). Elsewhere
// (app.request in tests and in-process benchmarks) the web objects are used.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Context } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { AppEnv } from './env.js';

/** The request body as a Node stream: the socket itself under @hono/node-server, else the web stream. */
export function requestBody(c: Context<AppEnv>): Readable {
  const incoming = c.env?.incoming;
  if (incoming) return incoming;
  const body = c.req.raw.body;
  return body ? Readable.fromWeb(body as WebReadableStream<Uint8Array>) : Readable.from([]);
}

/** The declared Content-Length, when it is a plain decimal number. */
export function contentLength(c: Context<AppEnv>): number | undefined {
  const raw = c.req.header('content-length');
  return raw !== undefined && /^[0-9]+$/.test(raw) ? Number(raw) : undefined;
}

/** True when the answer can be written to Node's response directly (served, not app.request). */
export function servedByNode(c: Context<AppEnv>): boolean {
  return c.env?.outgoing !== undefined;
}

/**
 * Streams `body` as the answer. Under Node: headers written first, then piped; an upstream failure
 * mid-stream destroys the socket (the client sees a truncated transfer, never a complete-looking one), a
 * client gone destroys the upstream body (its connection goes back to the pool).
 */
export function sendStream(c: Context<AppEnv>, status: number, headers: Record<string, string>, body: Readable): Response {
  const outgoing = c.env?.outgoing;
  if (outgoing && 'writeHead' in outgoing) {
    try {
      outgoing.writeHead(status, headers);
    } catch (err) {
      body.destroy();
      throw err;
    }
    body.on('error', (err) => {
      c.get('log').logger.warn({ err }, 'upstream stream failed mid-transfer');
      outgoing.destroy(err);
    });
    outgoing.on('close', () => body.destroy());
    body.pipe(outgoing);
    return RESPONSE_ALREADY_SENT;
  }
  return new Response(Readable.toWeb(body) as ReadableStream, { status, headers });
}

/**
 * A Content-Disposition for a download's file name that Node will always accept (RFC 6266): an ASCII
 * `filename` with anything outside printable ASCII, quotes and backslashes replaced by "_", plus the
 * exact name as `filename*` (RFC 8187) when it differs.
 */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  if (ascii === filename) return `attachment; filename="${ascii}"`;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
