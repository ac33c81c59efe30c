// The server log's destination: the lines of one event-loop turn joined and written in ONE write(2), after
// the turn (setImmediate), in order, byte for byte; written synchronously at process exit.
//
// Why not pino's own asynchronous destination (SonicBoom, sync: false): it hands each write to libuv's
// thread pool and starts the next one as soon as the last returns, so under load it made several small
// writes per turn, each a thread hand-off: about 4 µs of CPU per access line against 0.75 here, 64 lines per
// turn to a file (bench/experiments/log-write.ts; bench/findings.md, "One write per turn, size-only blob
// bodies"). And not pino's synchronous one: a write(2) per line. A write to a file or to a pipe with room
// does not wait; Node itself writes to files and, on Linux, to pipes synchronously (process.stdout). When
// the reader of a pipe falls behind and the descriptor is non-blocking (EAGAIN), the rest goes through an
// asynchronous write and the following lines wait for it, still in order; nothing is dropped.
import { write as fsWrite, writeSync as fsWriteSync } from 'node:fs';

/** What pino needs of a destination, plus the flushes the server calls at shutdown. */
export interface LogDestination {
  write(line: string): boolean;
  /** Writes what is pending now (blocking), unless an asynchronous write is in flight (its callback goes on). */
  flushSync(): void;
  /** Writes what is pending; `cb` once it is written. */
  flush(cb?: (err?: Error | null) => void): void;
}

/** The system calls the destination uses (injected by tests that simulate a full pipe). */
export interface LogWriter {
  writeSync(fd: number, buf: Buffer): number;
  write(fd: number, buf: Buffer, cb: (err: NodeJS.ErrnoException | null, written: number) => void): void;
}

const NODE_FS: LogWriter = {
  writeSync: (fd, buf) => fsWriteSync(fd, buf),
  write: (fd, buf, cb) => fsWrite(fd, buf, cb),
};

/** Pause before writing again to a descriptor that answered EAGAIN. */
const RETRY_MS = 10;

/** The log destination on `fd` (standard output by default). */
export function createLogDestination(fd = 1, io: LogWriter = NODE_FS): LogDestination {
  const dest = new TurnWriter(fd, io);
  // At exit (process.exit after a fatal error included) the pending lines are written synchronously, as
  // pino does for its own destinations; the listener does not keep the destination alive (one or two per
  // process: `serve` makes one logger).
  const ref = new WeakRef(dest);
  process.on('exit', () => ref.deref()?.flushSync());
  return dest;
}

class TurnWriter implements LogDestination {
  readonly #fd: number;
  readonly #io: LogWriter;
  /** Lines (strings, encoded once per write) and the unwritten rest of an earlier write (bytes), in order. */
  #pending: (string | Buffer)[] = [];
  #scheduled = false;
  /** An asynchronous write (after EAGAIN) is in flight: later lines wait for it. */
  #writing = false;
  #waiters: ((err: Error | null) => void)[] = [];
  /** The next try after an asynchronous write found the descriptor still full. */
  #retry: NodeJS.Timeout | undefined;

  constructor(fd: number, io: LogWriter) {
    this.#fd = fd;
    this.#io = io;
  }

  write(line: string): boolean {
    this.#pending.push(line);
    if (!this.#scheduled && !this.#writing && this.#retry === undefined) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#drain();
      });
    }
    return true;
  }

  flushSync(): void {
    if (this.#writing) return;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#drain();
  }

  flush(cb?: (err?: Error | null) => void): void {
    if (cb) this.#waiters.push(cb);
    if (!this.#writing && this.#retry === undefined) this.#drain();
  }

  /** Writes everything pending: synchronously while the descriptor takes it, else asynchronously. */
  #drain(): void {
    let err: Error | null = null;
    while (this.#pending.length > 0 && !this.#writing) {
      let buf = joined(this.#pending);
      this.#pending = [];
      try {
        while (buf.length > 0) buf = buf.subarray(this.#io.writeSync(this.#fd, buf));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') {
          // A closed or broken output (EPIPE, EBADF): these lines cannot be written anywhere; they are
          // dropped and flush() callers get the error (later lines try the descriptor again).
          err = e as Error;
          break;
        }
        this.#writeLater(buf);
      }
    }
    if (!this.#writing && this.#retry === undefined) this.#settle(err);
  }

  #writeLater(buf: Buffer): void {
    this.#writing = true;
    this.#io.write(this.#fd, buf, (err, written) => {
      this.#writing = false;
      if (err?.code === 'EAGAIN') {
        // Still full: try again shortly (the reader is behind; later lines keep waiting behind this one).
        // The timer keeps the process alive, as a blocking write would; an exit before it writes synchronously.
        this.#pending.unshift(buf);
        this.#retry ??= setTimeout(() => {
          this.#retry = undefined;
          this.#drain();
        }, RETRY_MS);
        return;
      }
      if (err) {
        this.#settle(err);
        return;
      }
      const rest = buf.subarray(written);
      if (rest.length > 0) this.#pending.unshift(rest);
      this.#drain();
    });
  }

  #settle(err: Error | null): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(err);
  }
}

/** The pending lines as one buffer: strings are joined and encoded once (the usual case: all strings). */
function joined(pending: readonly (string | Buffer)[]): Buffer {
  if (pending.every((p) => typeof p === 'string')) return Buffer.from(pending.join(''), 'utf8');
  return Buffer.concat(pending.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
}
