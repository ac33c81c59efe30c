// The connections of the download client (socket-client.ts): one origin's keep-alive connections with
// a limit and a queue beyond it (OriginPool), each a TCP or TLS socket that reads into buffers taken
// from a pool shared by the client (ReadBuffers, net/tls.connect `onread`), and hands what it reads to the
// request in progress (Exchange): its head, then its body (lent-body.ts).
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { BodySource } from './lent-body.js';

/**
 * Read buffers shared by every connection of a client: large ones while few downloads stream (speed),
 * small ones when many do (memory), and small ones for idle connections (which only wait for an EOF).
 */
export class ReadBuffers {
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
export interface Exchange {
  onData(buf: Buffer, n: number): void;
  onClose(err?: Error): void;
}

export class Connection implements BodySource {
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
    if (url.protocol === 'https:') {
      const tls = tlsConnect({
        host,
        port,
        ...(isIP(host) === 0 ? { servername: host } : {}),
        ALPNProtocols: ['http/1.1'],
        ...(tlsCa ? { ca: tlsCa } : {}),
        // TLS session resumption (RFC 8446 section 2.2; as undici does): a new connection to the origin
        // offers the last session ticket it sent, and skips the full handshake when taken.
        ...(pool.tlsSession ? { session: pool.tlsSession } : {}),
        // tls.connect takes `onread` too (Node's tls docs); @types/node does not declare it.
        ...{ onread },
      });
      tls.on('session', (session: Buffer) => {
        pool.tlsSession = session;
      });
      this.socket = tls;
    } else this.socket = netConnect({ host, port, onread });
    this.socket.setNoDelay(true);
    this.socket.on('error', (err) => {
      // A failed connection may have failed because of the session it offered: the next one starts afresh.
      pool.tlsSession = undefined;
      this.#closing(err);
    });
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
export class OriginPool {
  readonly #idle: Connection[] = [];
  readonly #waiting: Array<{ resolve(c: Connection): void; reject(e: unknown): void; signal: AbortSignal | undefined; onAbort(): void }> =
    [];
  #open = 0;
  /** The last TLS session ticket the origin sent (https only), offered by the next connection. */
  tlsSession: Buffer | undefined;

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
