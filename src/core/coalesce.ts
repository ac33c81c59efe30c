// A Transform that joins the small chunks a network body arrives in (16-64 KiB TLS reads) into larger
// ones before a chain of streams handles them: every stage after it (checks, taps, copies to a file and to
// the store, the client's socket) then runs once per joined chunk instead of once per read. A pull-through
// relay of a 6 MB zip went from ~380 chunks to ~25 (bench/findings.md, "Pull-through, round 3").
// Nothing waits for more bytes: what the source gave in one event-loop turn goes out at the end of that
// turn (setImmediate), so a slow source's bytes are never held back; only full chunks go out at once.
// A chunk already large (64 KiB or more: a plain-HTTP body's reads) passes as it is, never copied.
import { Transform, type TransformCallback } from 'node:stream';

export class Coalesce extends Transform {
  readonly #limit: number;
  readonly #large: number;
  #parts: Buffer[] = [];
  #held = 0;
  #scheduled: NodeJS.Immediate | undefined;

  /**
   * `limit`: a joined chunk's size from which it goes out at once (default 256 KiB); `large`: the size from
   * which a chunk is not joined but passed on as it is, after what is held (default 64 KiB).
   */
  constructor(limit = 256 * 1024, large = 64 * 1024) {
    super({ highWaterMark: 1 << 20 });
    this.#limit = limit;
    this.#large = large;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length >= this.#large) {
      this.#release();
      this.push(chunk);
      callback();
      return;
    }
    this.#parts.push(chunk);
    this.#held += chunk.length;
    if (this.#held >= this.#limit) this.#release();
    else this.#scheduled ??= setImmediate(() => this.#release());
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.#release();
    callback();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    this.#parts = [];
    callback(err);
  }

  #release(): void {
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    if (this.#held === 0 || this.destroyed) return;
    const parts = this.#parts;
    const joined = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, this.#held);
    this.#parts = [];
    this.#held = 0;
    this.push(joined);
  }
}
