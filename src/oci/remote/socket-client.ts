// The download pool's HTTP/1.1 client: body-less GETs of blobs over keep-alive TCP or TLS sockets that
// read into pooled 64 or 128 KiB buffers (the `onread` option of net/tls.connect), so that a proxied blob costs
// no allocation and no copy per chunk (lent-body.ts). undici reads each chunk into a fresh buffer and
// copies it once more out of its parser: this client halves the CPU per proxied GB (bench/findings.md,
// "Downloads from reused buffers"). It handles what blob GETs get back: answers framed by Content-Length
// (the bytes, a redirect, an error). Anything else (chunked or close-delimited bodies, 1xx) throws
// SocketClientUnsupported, and the transport sends that request through undici instead (transport.ts).
// Written by hand because no maintained Node HTTP client reads into caller-owned buffers.
// Reference: RFC 9112 (message syntax, Content-Length framing, persistent connections)
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { OciError } from '../errors.js';
import { type BodySource, LentBody } from './lent-body.js';

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

/** A response head larger than this is refused (undici's default maxHeaderSize is 16 KiB). */
export const MAX_HEAD_BYTES = 64 * 1024;

const CRLFCRLF = Buffer.from('\r\n\r\n');
const FORBIDDEN_IN_FIELD = /[\r\n\0]/;

function socketError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Parses a response head (status line + fields, without the blank line). */
export function parseHead(text: string): { version: string; status: number; headers: Record<string, string | string[]> } {
  const lines = text.split('\r\n');
  const m = /^HTTP\/(1\.[01]) ([1-9]\d\d)(?: .*)?$/.exec(lines[0] ?? '');
  if (!m) throw new OciError('PROTOCOL', `invalid HTTP status line ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  const headers: Record<string, string | string[]> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name))
      throw new OciError('PROTOCOL', `invalid HTTP header line ${JSON.stringify(line.slice(0, 80))}`);
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    const seen = headers[key];
    headers[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return { version: m[1]!, status: Number(m[2]), headers };
}

/** The body length an answer declares, or undefined when it is not Content-Length framed. */
function framedLength(status: number, headers: Record<string, string | string[]>): number | undefined {
  if (headers['transfer-encoding'] !== undefined) return undefined;
  const raw = headers['content-length'];
  if (raw === undefined) return status === 204 || status === 304 ? 0 : undefined;
  const values = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(',').map((s) => s.trim()));
  if (!values.every((v) => /^\d{1,15}$/.test(v) && v === values[0])) {
    throw new OciError('PROTOCOL', `invalid Content-Length ${JSON.stringify(raw)}`);
  }
  return Number(values[0]);
}

function keepsAlive(version: string, headers: Record<string, string | string[]>): boolean {
  const connection = [headers['connection'] ?? []].flat().join(',').toLowerCase();
  if (version === '1.0') return /\bkeep-alive\b/.test(connection);
  return !/\bclose\b/.test(connection);
}

/**
 * Read buffers shared by every connection of a client: large ones while few downloads stream (speed),
 * small ones when many do (memory), and small ones for idle connections (which only wait for an EOF).
 */
class ReadBuffers {
  readonly #large: Buffer[] = [];
  readonly #small: Buffer[] = [];
  /** Connections with a request in progress. */
  busy = 0;
  constructor(
    readonly largeSize: number,
    readonly smallSize: number,
    readonly largeBelow: number,
    readonly maxFree: number,
  ) {}
  take(streaming: boolean): Buffer {
    if (streaming && this.busy <= this.largeBelow) return this.#large.pop() ?? Buffer.allocUnsafeSlow(this.largeSize);
    return this.#small.pop() ?? Buffer.allocUnsafeSlow(this.smallSize);
  }
  give(buf: Buffer): void {
    const free = buf.length === this.largeSize ? this.#large : buf.length === this.smallSize ? this.#small : undefined;
    if (free !== undefined && free.length < this.maxFree) free.push(buf);
  }
}

/** One request in flight on a connection: its head is being read, then its body. */
interface Exchange {
  onData(buf: Buffer, n: number): void;
  onClose(err?: Error): void;
}

class Connection implements BodySource {
  readonly socket: Socket;
  /** Requests this connection has carried. */
  uses = 0;
  #exchange: Exchange | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    readonly pool: OriginPool,
    url: URL,
    tlsCa: string | undefined,
  ) {
    const buffers = pool.buffers;
    const onread = {
      buffer: () => buffers.take(this.#exchange !== undefined),
      callback: (n: number, buf: Uint8Array): boolean => {
        const exchange = this.#exchange;
        if (exchange === undefined) {
          // Bytes on an idle connection: the server broke the protocol; never reuse it.
          buffers.give(buf as Buffer);
          this.destroy();
          return false;
        }
        exchange.onData(buf as Buffer, n);
        return true;
      },
    };
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.socket =
      url.protocol === 'https:'
        ? // tls.connect takes `onread` too (Node's tls docs); @types/node does not declare it.
          tlsConnect({
            host,
            port,
            ...(isIP(host) === 0 ? { servername: host } : {}),
            ALPNProtocols: ['http/1.1'],
            ...(tlsCa ? { ca: tlsCa } : {}),
            ...{ onread },
          })
        : netConnect({ host, port, onread });
    this.socket.setNoDelay(true);
    this.socket.on('error', (err) => this.#closing(err));
    this.socket.on('end', () => this.#closing());
    this.socket.on('close', () => this.#closing());
  }

  get closed(): boolean {
    return this.#closed || this.socket.destroyed;
  }

  start(exchange: Exchange, request: string): void {
    this.uses++;
    this.#stopIdle();
    this.#exchange = exchange;
    this.pool.buffers.busy++;
    this.socket.ref();
    this.socket.write(request);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  idleLimit(ms: number, onIdle?: () => void): void {
    this.socket.removeAllListeners('timeout');
    this.socket.setTimeout(ms);
    if (ms > 0 && onIdle) this.socket.once('timeout', onIdle);
  }

  give(buf: Buffer): void {
    this.pool.buffers.give(buf);
  }

  release(reusable: boolean): void {
    this.#done();
    if (!reusable || this.closed) {
      this.destroy();
      return;
    }
    // Keep reading while idle, to notice the server closing the connection.
    this.socket.resume();
    this.socket.unref();
    this.#idleTimer = setTimeout(() => this.destroy(), this.pool.keepAliveMs);
    this.#idleTimer.unref();
    this.pool.idle(this);
  }

  destroy(): void {
    this.socket.destroy();
    this.#closing();
  }

  #stopIdle(): void {
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  /** The request in progress is over (answered, or failed). */
  #done(): void {
    if (this.#exchange !== undefined) this.pool.buffers.busy--;
    this.#exchange = undefined;
  }

  #closing(err?: Error): void {
    const exchange = this.#exchange;
    this.#done();
    if (!this.socket.destroyed) this.socket.destroy();
    exchange?.onClose(err);
    if (this.#closed) return;
    this.#closed = true;
    this.#stopIdle();
    this.pool.closed(this);
  }
}

/** The connections to one origin: idle ones reused last-in first-out, a limit, a queue beyond it. */
class OriginPool {
  readonly #idle: Connection[] = [];
  readonly #waiting: Array<{ resolve(c: Connection): void; reject(e: unknown): void; signal: AbortSignal | undefined; onAbort(): void }> =
    [];
  #open = 0;

  constructor(
    readonly url: URL,
    readonly buffers: ReadBuffers,
    readonly max: number,
    readonly keepAliveMs: number,
    readonly tlsCa: string | undefined,
  ) {}

  /** A connection for one request: an idle one unless `fresh`, a new one within the limit, else the first freed. */
  acquire(signal: AbortSignal | undefined, fresh: boolean): Promise<Connection> {
    signal?.throwIfAborted();
    while (!fresh && this.#idle.length > 0) {
      const c = this.#idle.pop()!;
      if (!c.closed) return Promise.resolve(c);
    }
    if (this.#open < this.max) return Promise.resolve(this.#create());
    if (fresh && this.#idle.length > 0) {
      this.#idle.shift()!.destroy();
      return Promise.resolve(this.#create());
    }
    return new Promise<Connection>((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.#waiting.indexOf(waiter);
          if (i >= 0) this.#waiting.splice(i, 1);
          reject(signal!.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  idle(c: Connection): void {
    const waiter = this.#waiting.shift();
    if (waiter) {
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(c);
      return;
    }
    this.#idle.push(c);
  }

  closed(c: Connection): void {
    this.#open--;
    const i = this.#idle.indexOf(c);
    if (i >= 0) this.#idle.splice(i, 1);
    const waiter = this.#waiting.shift();
    if (waiter) {
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(this.#create());
    }
  }

  closeIdle(): void {
    for (const c of this.#idle.splice(0)) c.destroy();
  }

  #create(): Connection {
    this.#open++;
    return new Connection(this, this.url, this.tlsCa);
  }
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
