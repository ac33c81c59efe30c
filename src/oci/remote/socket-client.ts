// The download pool's HTTP/1.1 client: body-less GETs of blobs over keep-alive TCP or TLS sockets that
// read into pooled 64 or 128 KiB buffers (the `onread` option of net/tls.connect), so that a proxied blob costs
// no allocation and no copy per chunk (lent-body.ts). undici reads each chunk into a fresh buffer and
// copies it once more out of its parser: this client halves the CPU per proxied GB (bench/findings.md,
// "Downloads from reused buffers"). It handles what blob GETs get back: answers framed by Content-Length
// (the bytes, a redirect, an error). Anything else (chunked or close-delimited bodies, 1xx) throws
// SocketClientUnsupported, and the transport sends that request through undici instead (transport.ts).
// Written by hand because no maintained Node HTTP client reads into caller-owned buffers. Like undici, it
// resumes the origin's last TLS session on a new connection (socket-pool.ts).
// Reference: RFC 9112 (message syntax, Content-Length framing, persistent connections)
import { OciError } from '../errors.js';
import { framedLength, keepsAlive, MAX_HEAD_BYTES, parseHead } from './http-head.js';
import { LentBody } from './lent-body.js';
import { type Connection, type Exchange, OriginPool, ReadBuffers } from './socket-pool.js';

/** The answer could not be handled here (not Content-Length framed): send the request another way. */
export class SocketClientUnsupported extends Error {}

export interface SocketClientOptions {
  /** Open connections per origin, idle ones included. Default 1024 (the download pool's limit). */
  maxConnections?: number;
  /** How long an idle connection is kept. Default 4 s (undici's default). */
  keepAliveMs?: number;
  /**
   * Size of the read buffers while fewer than `largeBelow` downloads stream: default 128 KiB (a proxied GB
   * cost 0.9 CPU-s with 64 KiB, 0.7 with 128 KiB, as low as a bare proxy of this design; 256 KiB no
   * better). Every open connection holds one, and a paused download a second one in its pending write.
   */
  bufferSize?: number;
  /** Size of the read buffers beyond that: default 64 KiB (500 downloads: 225 MB peak RSS, 291 with 128 KiB). */
  smallBufferSize?: number;
  /** How many streaming downloads get the larger buffers. Default 32. */
  largeBelow?: number;
  /** Free buffers of each size kept for reuse. Default 128. */
  maxFreeBuffers?: number;
  /** CA certificates (PEM) to trust instead of Node's own for https origins (tests). */
  tlsCa?: string;
}

export interface SocketGetOptions {
  headers: Record<string, string>;
  /** Aborts the wait for a connection and for the response head. */
  signal?: AbortSignal;
  /** Aborts the body too (the caller's own signal). */
  bodySignal?: AbortSignal;
  /** The body's longest silence, ms. */
  idleMs: number;
}

export interface SocketResponse {
  statusCode: number;
  /** Lower-case names; a repeated field gives an array. */
  headers: Record<string, string | string[]>;
  body: LentBody;
}

export interface SocketClient {
  get(url: URL, opts: SocketGetOptions): Promise<SocketResponse>;
  /** Closes the idle connections (active ones close when their body is done). */
  close(): void;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const FORBIDDEN_IN_FIELD = /[\r\n\0]/;

function socketError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Creates a client (one pool of connections per origin, one pool of read buffers). */
export function createSocketClient(opts: SocketClientOptions = {}): SocketClient {
  const buffers = new ReadBuffers(
    opts.bufferSize ?? 128 * 1024,
    opts.smallBufferSize ?? 64 * 1024,
    opts.largeBelow ?? 32,
    opts.maxFreeBuffers ?? 128,
  );
  const pools = new Map<string, OriginPool>();
  const max = opts.maxConnections ?? 1024;
  const keepAliveMs = opts.keepAliveMs ?? 4_000;

  function poolFor(url: URL): OriginPool {
    let pool = pools.get(url.origin);
    if (pool === undefined) {
      pool = new OriginPool(new URL(url.origin), buffers, max, keepAliveMs, opts.tlsCa);
      pools.set(url.origin, pool);
    }
    return pool;
  }

  async function get(url: URL, o: SocketGetOptions): Promise<SocketResponse> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`not an http(s) URL: ${url.protocol}`);
    const fields = Object.entries({ host: url.host, ...o.headers });
    for (const [k, v] of fields) {
      if (FORBIDDEN_IN_FIELD.test(k) || FORBIDDEN_IN_FIELD.test(v)) throw new TypeError(`invalid header ${JSON.stringify(k)}`);
    }
    const request = `GET ${url.pathname}${url.search} HTTP/1.1\r\n${fields.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
    const pool = poolFor(url);
    const conn = await pool.acquire(o.signal, false);
    try {
      return await exchange(conn, url, request, o);
    } catch (err) {
      // A kept-alive connection the server had closed fails before any answer: once more, on a new one.
      if (!(err instanceof StaleConnection)) throw err;
      return exchange(await pool.acquire(o.signal, true), url, request, o);
    }
  }

  return {
    get,
    close: () => {
      for (const p of pools.values()) p.closeIdle();
    },
  };
}

/** A reused connection that ended before any byte of the answer. */
class StaleConnection extends Error {}

/** Sends `request` on `conn` and reads the answer's head; the body follows as a LentBody. */
function exchange(conn: Connection, url: URL, request: string, o: SocketGetOptions): Promise<SocketResponse> {
  const where = { method: 'GET', url: `${url.origin}${url.pathname}` };
  const reused = conn.uses > 0;
  return new Promise<SocketResponse>((resolve, reject) => {
    let head: Buffer | undefined;
    let body: LentBody | undefined;
    let done = false;
    const finish = (err: unknown, res?: SocketResponse): void => {
      if (done) return;
      done = true;
      o.signal?.removeEventListener('abort', onAbort);
      if (err === undefined) resolve(res!);
      else reject(err);
    };
    // finish() before destroy(): closing the connection reports a generic failure through onClose.
    const onAbort = (): void => {
      finish(o.signal!.reason);
      conn.destroy();
    };
    const onBodyAbort = (): void => {
      body?.destroy(o.bodySignal!.reason instanceof Error ? o.bodySignal!.reason : new Error('aborted'));
    };
    const fail = (err: unknown): void => {
      finish(err);
      conn.destroy();
    };
    const onHead = (bytes: Buffer): void => {
      const end = bytes.indexOf(CRLFCRLF);
      if (end < 0) {
        if (bytes.length > MAX_HEAD_BYTES)
          fail(new OciError('PROTOCOL', `GET ${where.url}: response head over ${MAX_HEAD_BYTES} bytes`, where));
        return;
      }
      try {
        const { version, status, headers } = parseHead(bytes.subarray(0, end).toString('latin1'));
        const length = status >= 200 ? framedLength(status, headers) : undefined;
        if (length === undefined) {
          fail(new SocketClientUnsupported(`GET ${where.url}: status ${status} without a Content-Length`));
          return;
        }
        head = undefined;
        body = new LentBody(conn, where, length, Buffer.from(bytes.subarray(end + 4)), keepsAlive(version, headers), o.idleMs);
        if (o.bodySignal) {
          o.bodySignal.addEventListener('abort', onBodyAbort, { once: true });
          body.once('close', () => o.bodySignal?.removeEventListener('abort', onBodyAbort));
        }
        finish(undefined, { statusCode: status, headers, body });
      } catch (err) {
        fail(err);
      }
    };
    const ex: Exchange = {
      onData(buf, n) {
        if (body !== undefined) {
          body.onData(buf, n);
          return;
        }
        head = head === undefined ? Buffer.from(buf.subarray(0, n)) : Buffer.concat([head, buf.subarray(0, n)]);
        conn.give(buf);
        if (!done) onHead(head);
      },
      onClose(err) {
        if (body !== undefined) {
          body.onClose(err);
          return;
        }
        if (reused && head === undefined) {
          finish(new StaleConnection('stale keep-alive connection'));
          return;
        }
        finish(err ?? socketError(`GET ${where.url}: the registry closed the connection before answering`, 'ECONNRESET'));
      },
    };
    if (o.signal?.aborted) {
      onAbort();
      return;
    }
    o.signal?.addEventListener('abort', onAbort, { once: true });
    conn.start(ex, request);
  });
}
