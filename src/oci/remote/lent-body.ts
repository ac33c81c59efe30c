// The body of one answer of the download client (socket-client.ts): exactly Content-Length bytes read
// from a keep-alive socket into pooled buffers. Read as a Readable it pushes a copy of each chunk (like
// any HTTP client); lendTo() writes the pooled buffers themselves to a socket and takes each one back once
// the socket wrote it (lending.ts). It fails with an OciError when the connection ends early, the
// registry sends more than it announced, or no byte passes for `idleMs` (the registry went quiet, or the
// reader stopped reading: the connection is then closed, never held for as long as the reader likes).
// A lender that watches its sink (lendTo with hooks: the HTTP layer, src/http/node-io.ts, cuts a client
// that takes nothing for this body's `idleMs`) owns that decision: while its sink holds the bytes back, only
// the registry's silence counts here, as with undici, whose body timeout does not run while paused.
// Reference: RFC 9112 section 6.3 (a Content-Length body ends after that many bytes)
import { Readable, type Writable } from 'node:stream';
import { OciError } from '../errors.js';
import { type LendHooks, type LendingReadable, sinkBehind } from '../lending.js';

/** What a body needs of its connection. */
export interface BodySource {
  pause(): void;
  resume(): void;
  /** Arms (ms > 0) or clears (0) the idle limit: `onIdle` runs after that long without socket activity. */
  idleLimit(ms: number, onIdle?: () => void): void;
  /** Takes a read buffer back into the pool. */
  give(buf: Buffer): void;
  /** The body is complete: the connection may serve another request (or close, `reusable` false). */
  release(reusable: boolean): void;
  /** The body failed or was abandoned: the connection is closed. */
  destroy(): void;
}

type Mode = 'idle' | 'read' | 'lend' | 'discard';

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** The failure of a blob body that moved no byte for `idleMs` (this body's, and the undici bodies' of blobs.ts). */
export function idleBodyError(where: { method: string; url: string }, readerStalled: boolean, idleMs: number): OciError {
  const who = readerStalled ? 'the reader took no data' : 'the registry sent nothing';
  return new OciError('TIMEOUT', `${where.method} ${where.url}: ${who} for ${seconds(idleMs)}; stream closed`, where);
}

export class LentBody extends Readable implements LendingReadable {
  readonly #src: BodySource;
  readonly #where: { method: string; url: string };
  readonly #length: number;
  readonly #reusable: boolean;
  readonly #idleMs: number;
  #remaining: number;
  #mode: Mode = 'idle';
  /** Bytes that came with the response head (owned, not pooled), delivered first. */
  #pending: Buffer | undefined;
  /** Every byte arrived (the connection is released). */
  #complete = false;
  /** Settled: complete and delivered, or failed, or destroyed. */
  #settled = false;
  #paused = false;
  /** A failure seen before anyone read or lent the body, reported when they do. */
  #failure: Error | undefined;
  #lend: { out: Writable; hooks: LendHooks | undefined; resolve(): void; reject(err: Error): void } | undefined;
  #dumped: { resolve(): void } | undefined;

  constructor(src: BodySource, where: { method: string; url: string }, length: number, head: Buffer, reusable: boolean, idleMs: number) {
    super({ highWaterMark: 1 << 20 });
    this.#src = src;
    this.#where = where;
    this.#length = length;
    this.#reusable = reusable;
    this.#idleMs = idleMs;
    this.#remaining = length;
    if (head.length > length) throw this.#tooMuch();
    this.#remaining -= head.length;
    if (head.length > 0) this.#pending = head;
    if (this.#remaining === 0) this.#arrived();
    else {
      // Nothing is read until someone wants the bytes.
      this.#pause();
      this.#armIdle();
    }
  }

  /** Bytes announced by Content-Length. */
  get length(): number {
    return this.#length;
  }

  get idleMs(): number {
    return this.#idleMs;
  }

  /** The connection read `n` bytes into `buf` (a pooled buffer this body now owns). */
  onData(buf: Buffer, n: number): void {
    if (this.#settled || this.#complete) {
      this.#src.give(buf);
      if (!this.#settled) this.#fail(this.#tooMuch());
      return;
    }
    if (n > this.#remaining) {
      this.#src.give(buf);
      this.#fail(this.#tooMuch());
      return;
    }
    this.#remaining -= n;
    this.#deliver(buf.subarray(0, n), buf);
    if (this.#remaining === 0) this.#arrived();
  }

  /** The connection ended or failed before the body was complete. */
  onClose(err?: Error): void {
    if (this.#complete || this.#settled) return;
    const got = this.#length - this.#remaining;
    const why = err
      ? `${err.message}${(err as { code?: string }).code ? ` (${(err as { code?: string }).code})` : ''}`
      : 'connection closed';
    this.#fail(
      new OciError('UNAVAILABLE', `${this.#where.method} ${this.#where.url}: ${why} after ${got} of ${this.#length} bytes`, {
        ...this.#where,
        ...(err ? { cause: err } : {}),
      }),
    );
  }

  lendTo(out: Writable, hooks?: LendHooks): Promise<void> {
    if (this.#mode !== 'idle') return Promise.reject(new Error('this body is already being read'));
    this.#mode = 'lend';
    return new Promise<void>((resolve, reject) => {
      if (this.#failure !== undefined) {
        reject(this.#failure);
        return;
      }
      if (this.destroyed) {
        reject(new Error('the body was destroyed'));
        return;
      }
      this.#lend = { out, hooks, resolve, reject };
      this.#flushPending();
      if (this.#complete) this.#finishLend();
      else if (!this.#lendBlocked()) this.#resume();
    });
  }

  /**
   * Drops the rest of the body, keeping the connection when at most `limit` bytes remain (undici's
   * body.dump, which the transport and the response helpers call on answers they do not need).
   */
  dump(opts: { limit?: number } = {}): Promise<void> {
    if (this.#settled || this.destroyed) return Promise.resolve();
    if (this.#mode !== 'idle' || this.#remaining > (opts.limit ?? 128 * 1024)) {
      this.destroy();
      return Promise.resolve();
    }
    this.#mode = 'discard';
    this.#pending = undefined;
    if (this.#complete) {
      this.#end();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.#dumped = { resolve };
      this.#resume();
    });
  }

  override _read(): void {
    if (this.#mode === 'idle') {
      this.#mode = 'read';
      if (this.#failure !== undefined) {
        this.destroy(this.#failure);
        return;
      }
      this.#flushPending();
      if (this.#complete) {
        this.#end();
        return;
      }
    }
    if (this.#mode === 'read' && !this.#complete) this.#resume();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    if (!this.#settled) {
      this.#settled = true;
      if (!this.#complete) this.#src.destroy();
      this.#lend?.reject(err ?? new Error('the body was destroyed'));
      this.#dumped?.resolve();
    }
    cb(err);
  }

  #deliver(view: Buffer, owner: Buffer | undefined): void {
    switch (this.#mode) {
      case 'read': {
        const more = this.push(owner === undefined ? view : Buffer.from(view));
        if (owner !== undefined) this.#src.give(owner);
        if (!more) this.#pause();
        return;
      }
      case 'lend': {
        const { out } = this.#lend!;
        const src = this.#src;
        const taken = owner === undefined ? out.write(view) : out.write(view, () => src.give(owner));
        if (!taken && !this.#lendBlocked(view.length)) process.nextTick(this.#recheck);
        return;
      }
      case 'discard':
        if (owner !== undefined) this.#src.give(owner);
        return;
      case 'idle':
        // Paused before any reader came, yet a read was already under way: keep its bytes.
        this.#pending = this.#pending === undefined ? Buffer.from(view) : Buffer.concat([this.#pending, view]);
        if (owner !== undefined) this.#src.give(owner);
        this.#pause();
        return;
    }
  }

  #flushPending(): void {
    const p = this.#pending;
    this.#pending = undefined;
    if (p !== undefined) this.#deliver(p, undefined);
  }

  /** The next tick after a write() that left only its own chunk in the sink: pause if it is still there (sinkBehind). */
  readonly #recheck = (): void => {
    if (this.#lend !== undefined && !this.#settled && !this.#complete && !this.#paused) this.#lendBlocked();
  };

  /**
   * True (and reading paused until 'drain') when the sink holds more than `written`, the chunk just
   * written (src/oci/lending.ts, sinkBehind); the caller asks again on the next tick (#recheck).
   */
  #lendBlocked(written = 0): boolean {
    const lend = this.#lend!;
    if (!sinkBehind(lend.out, written)) return false;
    this.#pause();
    // The lender times its sink's stall itself (the header comment): the registry is not the one waiting.
    if (lend.hooks) this.#src.idleLimit(0);
    lend.hooks?.stalled();
    lend.out.once('drain', () => {
      lend.hooks?.flowing();
      if (this.#settled || this.#complete) return;
      if (lend.hooks) this.#armIdle();
      this.#resume();
    });
    return true;
  }

  /** (Re)starts the idle limit: after `idleMs` without a byte on the connection, the body fails. */
  #armIdle(): void {
    this.#src.idleLimit(this.#idleMs, () => this.#fail(this.#timeout()));
  }

  #arrived(): void {
    this.#complete = true;
    this.#src.idleLimit(0);
    this.#src.release(this.#reusable);
    if (this.#mode === 'read') this.#end();
    else if (this.#mode === 'lend') this.#finishLend();
    else if (this.#mode === 'discard') {
      this.#end();
      this.#dumped?.resolve();
    }
  }

  #finishLend(): void {
    this.#lend!.resolve();
    this.#end();
  }

  /** Ends the Readable side (for lent and dumped bodies too, so that 'end' and 'close' come). */
  #end(): void {
    this.#settled = true;
    this.push(null);
    if (this.#mode !== 'read') this.resume();
  }

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#src.pause();
  }

  #resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#src.resume();
  }

  #fail(err: Error): void {
    if (this.#settled) return;
    if (this.#mode === 'idle') {
      // Nobody listens yet: an 'error' now would be unhandled. Close the connection, report it later.
      this.#failure = err;
      this.#settled = true;
      this.#src.destroy();
      return;
    }
    if (this.#mode === 'lend') {
      // The lender hears of it through the promise; no 'error' event for a stream nobody reads.
      const lend = this.#lend!;
      this.#settled = true;
      this.#src.destroy();
      lend.reject(err);
      this.destroy();
      return;
    }
    if (this.#mode === 'discard') {
      this.destroy();
      return;
    }
    this.destroy(err);
  }

  #tooMuch(): OciError {
    return new OciError(
      'PROTOCOL',
      `${this.#where.method} ${this.#where.url}: the registry sent more than its Content-Length`,
      this.#where,
    );
  }

  #timeout(): OciError {
    return idleBodyError(this.#where, this.#paused, this.#idleMs);
  }
}
