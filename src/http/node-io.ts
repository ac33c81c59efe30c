// The only place the HTTP layer reaches past Hono into Node's request and response. Under
// @hono/node-server (c.env.incoming / outgoing) request bodies are read from the IncomingMessage itself
// and blobs are piped straight into the socket: touching c.req.raw.body would make the adapter convert
// the body to a web stream, and a web stream per download chunk costs CPU (bench/findings.md). Elsewhere
// (app.request in tests and in-process benchmarks) the web objects are used.
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Context } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { isLending, type LendingReadable, sinkBehind } from '../core/lending.js';
import type { AppEnv } from './env.js';

/** The request body as a Node stream: the socket itself under @hono/node-server, else the web stream. */
export function requestBody(c: Context<AppEnv>): Readable {
  const incoming = c.env?.incoming;
  if (incoming) return incoming;
  const body = c.req.raw.body;
  return body ? Readable.fromWeb(body as WebReadableStream<Uint8Array>) : Readable.from([]);
}

/** A request header (lower-case `name`): from the Node request when served (no web Headers built), else Hono's. */
export function requestHeader(c: Context<AppEnv>, name: string): string | undefined {
  const incoming = c.env?.incoming;
  if (!incoming) return c.req.header(name);
  const v = incoming.headers[name];
  return Array.isArray(v) ? v[0] : v;
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

/** How long a client may leave a streamed answer unread before it is cut (see sendStream). */
export const DEFAULT_CLIENT_IDLE_MS = 30_000;

export interface SendStreamOptions {
  /**
   * Longest time the client may leave the answer unread (the response stays backpressured, no 'drain'):
   * then the response and `body` are destroyed, so that a client that stops reading cannot hold an
   * upstream connection for ever. Default DEFAULT_CLIENT_IDLE_MS (the default request_timeout); the
   * download routes pass server.request_timeout. A lent registry body (src/oci/lending.ts) is cut at its
   * store's timeout, or at this one when shorter. A registry store also fails its blob streams after its
   * own timeout without a byte passing.
   */
  idleMs?: number;
}

/**
 * Streams `body` as the answer. Under Node: headers written first, then the body is written chunk by
 * chunk with backpressure. Every way out destroys `body` unless it ended (its upstream connection goes
 * back to the pool): headers that cannot be written, a client gone (before or during the transfer), a
 * client that stops reading for `idleMs`. An upstream failure mid-stream destroys the socket (the client
 * sees a truncated transfer, never a complete-looking one) and is logged.
 */
export function sendStream(
  c: Context<AppEnv>,
  status: number,
  headers: Record<string, string>,
  body: Readable,
  opts: SendStreamOptions = {},
): Response {
  const outgoing = c.env?.outgoing;
  if (outgoing && 'writeHead' in outgoing) {
    if (outgoing.destroyed) {
      // The client left while the stream was being opened: nothing to send, nothing to keep open.
      body.destroy();
      return RESPONSE_ALREADY_SENT;
    }
    try {
      outgoing.writeHead(status, headers);
    } catch (err) {
      body.destroy();
      throw err;
    }
    // A lent body's own limit is the store's timeout (request_timeout): it stops timing a client's stall
    // while this lender watches it (src/oci/remote/lent-body.ts), so that limit applies here too, or the
    // caller's when shorter (both are request_timeout when the wiring builds them).
    if (isLending(body)) lend(c, body, outgoing, Math.min(opts.idleMs ?? body.idleMs, body.idleMs));
    else pump(c, body, outgoing, opts.idleMs ?? DEFAULT_CLIENT_IDLE_MS);
    return RESPONSE_ALREADY_SENT;
  }
  return new Response(Readable.toWeb(body) as ReadableStream, { status, headers });
}

/** The client stopped reading for `idleMs`: cut the answer (and the upstream stream). */
function cutStalled(c: Context<AppEnv>, body: Readable, outgoing: ServerResponse, idleMs: number): void {
  c.get('log').logger.warn(
    { idleMs, sent: outgoing.socket?.bytesWritten },
    `client stopped reading the download (the reader took no data for ${idleMs / 1000} s): answer cut`,
  );
  outgoing.destroy();
  body.destroy();
}

/**
 * pump() for a body that lends its read buffers (src/oci/lending.ts): the bytes go from the store's
 * buffers to the socket without a copy or an allocation per chunk. Same ways out as pump().
 */
function lend(c: Context<AppEnv>, body: LendingReadable, outgoing: ServerResponse, idleMs: number): void {
  let stalled: NodeJS.Timeout | undefined;
  let done = false;
  const unstall = (): void => {
    if (stalled !== undefined) clearTimeout(stalled);
    stalled = undefined;
  };
  body
    .lendTo(outgoing, {
      stalled: () => {
        stalled ??= setTimeout(() => {
          stalled = undefined;
          cutStalled(c, body, outgoing, idleMs);
        }, idleMs);
      },
      flowing: unstall,
    })
    .then(
      () => {
        done = true;
        unstall();
        outgoing.end();
      },
      (err: unknown) => {
        done = true;
        unstall();
        if (outgoing.destroyed) return; // the client left first: nothing failed upstream
        c.get('log').logger.warn({ err }, 'upstream stream failed mid-transfer');
        outgoing.destroy(err instanceof Error ? err : new Error(String(err)));
      },
    );
  outgoing.once('close', () => {
    unstall();
    if (!done) body.destroy();
  });
}

function pump(c: Context<AppEnv>, body: Readable, outgoing: ServerResponse, idleMs: number): void {
  let stalled: NodeJS.Timeout | undefined;
  const unstall = (): void => {
    if (stalled !== undefined) clearTimeout(stalled);
    stalled = undefined;
  };
  const onDrain = (): void => {
    unstall();
    body.resume();
  };
  const block = (): void => {
    body.pause();
    stalled ??= setTimeout(() => {
      stalled = undefined;
      cutStalled(c, body, outgoing, idleMs);
    }, idleMs);
    outgoing.once('drain', onDrain);
  };
  // Paused only when the response holds more than the chunk just written, now or after its next tick
  // (sinkBehind, src/oci/lending.ts).
  const recheck = (): void => {
    if (!body.isPaused() && !outgoing.destroyed && sinkBehind(outgoing)) block();
  };
  body.on('data', (chunk: Buffer) => {
    if (outgoing.write(chunk) || outgoing.destroyed) return;
    if (sinkBehind(outgoing, chunk.length)) block();
    else process.nextTick(recheck);
  });
  body.once('end', () => {
    unstall();
    outgoing.end();
  });
  body.on('error', (err) => {
    unstall();
    c.get('log').logger.warn({ err }, 'upstream stream failed mid-transfer');
    outgoing.destroy(err);
  });
  outgoing.once('close', () => {
    unstall();
    outgoing.off('drain', onDrain);
    if (!body.readableEnded) body.destroy();
  });
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
