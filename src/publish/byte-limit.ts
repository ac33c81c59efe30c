// A counting pass-through that fails the stream the moment more than `max` bytes went through it. Placed
// before gunzip (compressed size) and after it (expanded size), so a gzip bomb is cut off after `max`
// bytes instead of being expanded into memory or onto disk. Counts only: no hashing on this hot path.
import { Transform, type TransformCallback } from 'node:stream';

/** A publish limit was passed: the upload is refused (413), not verified further. */
export class LimitExceededError extends Error {
  override readonly name = 'LimitExceededError';
}

export class ByteLimit extends Transform {
  readonly #max: number;
  readonly #what: string;
  #count = 0;

  /** `what` completes the message "<what> is larger than the limit of N bytes". */
  constructor(max: number, what: string) {
    super();
    this.#max = max;
    this.#what = what;
  }

  get count(): number {
    return this.#count;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.#count += chunk.length;
    if (this.#count > this.#max) {
      callback(new LimitExceededError(`${this.#what} is larger than the limit of ${this.#max} bytes`));
      return;
    }
    callback(null, chunk);
  }
}
