// A counting pass-through that fails the stream the moment more than `max` bytes went through it. Placed
// before gunzip (compressed size) and after it (expanded size), so a gzip bomb is cut off after `max`
// bytes instead of being expanded into memory or onto disk. Counts only: no hashing on this hot path.
import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** A publish limit was passed: the upload is refused (413), not verified further. */
export class LimitExceededError extends Error {
  override readonly name = 'LimitExceededError';
}

/** The client stopped sending before the body ended. */
export class UploadInterruptedError extends Error {
  override readonly name = 'UploadInterruptedError';
}

export class ByteLimit extends Transform {
  readonly #max: number;
  readonly #what: string;
  #count = 0;
  /** Set (synchronously) when the limit was passed: tells a limit from the errors it causes downstream. */
  exceeded: LimitExceededError | undefined;

  /** `what` completes the message "<what> is larger than the limit of N bytes". */
  constructor(max: number, what: string) {
    super({ highWaterMark: 1 << 20 });
    this.#max = max;
    this.#what = what;
  }

  get count(): number {
    return this.#count;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.#count += chunk.length;
    if (this.#count > this.#max) {
      this.exceeded = new LimitExceededError(`${this.#what} is larger than the limit of ${this.#max} bytes`);
      callback(this.exceeded);
      return;
    }
    callback(null, chunk);
  }
}

/**
 * After a refusal, at most this much of the unread body is drained so that the client can read its error;
 * past it the connection is closed (a client may otherwise stream without end into a refused request).
 */
export const MAX_DRAIN_BYTES = 16 * 1024 * 1024;

/**
 * Reads a request body through a shield that also caps its size (`max` bytes, "<what> is larger than…"):
 * consumers may destroy the shield (a failed pipeline does), never the request itself, so the client
 * still receives its error response. An aborted request fails the shield with UploadInterruptedError.
 * Call `release()` when done: an unread rest of the body is drained, up to MAX_DRAIN_BYTES.
 */
export function shieldBody(body: Readable, max: number, what: string): { stream: ByteLimit; release(): void } {
  const shield = new ByteLimit(max, what);
  // The shield may fail before its consumer attaches (the body flows meanwhile): the consumer sees the
  // error through the stream's state when it pipes or reads; this keeps it from being an uncaught one.
  shield.on('error', () => undefined);
  const interrupted = (err?: Error): void => {
    if (!body.readableEnded) shield.destroy(new UploadInterruptedError(err?.message ?? 'the client closed the connection'));
  };
  body.once('error', interrupted);
  body.once('close', interrupted);
  body.pipe(shield);
  return {
    stream: shield,
    release() {
      body.off('error', interrupted);
      body.off('close', interrupted);
      if (!body.readableEnded && !body.destroyed) {
        body.unpipe(shield);
        let drained = 0;
        body.on('data', (chunk: Buffer) => {
          drained += chunk.length;
          if (drained > MAX_DRAIN_BYTES) body.destroy();
        });
        body.resume();
      }
      shield.destroy();
    },
  };
}
