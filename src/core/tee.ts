// A Writable that copies every chunk to two destinations and accepts the next chunk only when both have
// taken it (backpressure from the slower one), ending both at the end. Used to stream a zip to the
// store and to a temp file in one pass (zip-spool.ts).
import { Writable, finished } from 'node:stream';

export class Tee extends Writable {
  readonly #outs: [Writable, Writable];
  /** Set once both destinations were told to end: closing is then expected (finished() reports errors). */
  #ending = false;

  constructor(a: Writable, b: Writable) {
    super({ highWaterMark: 1 << 20 });
    this.#outs = [a, b];
    for (const out of this.#outs) {
      out.once('error', (err) => this.destroy(err));
      // A destination destroyed without an error would leave a write waiting for 'drain' forever.
      out.once('close', () => {
        if (!this.#ending) this.destroy(out.errored ?? new Error('a destination of the copy closed early'));
      });
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    let pending = this.#outs.length;
    const done = (): void => {
      if (--pending === 0) callback();
    };
    for (const out of this.#outs) {
      if (out.write(chunk)) done();
      else out.once('drain', done);
    }
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.#ending = true;
    let pending = this.#outs.length;
    let failed = false;
    for (const out of this.#outs) {
      finished(out, { readable: false }, (err) => {
        if (failed) return;
        if (err) {
          failed = true;
          callback(err);
        } else if (--pending === 0) callback();
      });
      out.end();
    }
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    for (const out of this.#outs) if (!out.writableFinished) out.destroy(err ?? undefined);
    callback(err);
  }
}
