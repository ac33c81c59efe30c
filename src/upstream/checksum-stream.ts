// Streaming integrity check for package bodies: a pass-through (src/verify/sha256-stream.ts) that fails
// with UpstreamError CHECKSUM_MISMATCH at the end when the bytes' sha256 differs from the expected one,
// before 'end' reaches the consumer, so nothing downstream can commit unverified bytes.
import type { TransformCallback } from 'node:stream';
import { isVerifyError } from '../verify/errors.js';
import { Sha256Stream } from '../verify/sha256-stream.js';
import { UpstreamError } from './errors.js';

export interface ChecksumCheckOptions {
  /** Hex sha256 the bytes must have; without it only the size limits apply. */
  sha256?: string | undefined;
  /** Names the stream in messages, e.g. the zip's file name. */
  label: string;
  /** UpstreamError TOO_LARGE once more bytes than this have passed. */
  maxBytes?: number;
  /** When known: fewer or more bytes than this is a CHECKSUM_MISMATCH too (reported as a size difference). */
  size?: number | undefined;
}

export class ChecksumCheck extends Sha256Stream {
  readonly #expected: string | undefined;
  readonly #label: string;
  readonly #size: number | undefined;
  readonly #maxBytes: number | undefined;

  constructor(options: ChecksumCheckOptions) {
    super({ label: options.label, ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }) });
    this.#expected = options.sha256?.toLowerCase();
    this.#label = options.label;
    this.#size = options.size;
    this.#maxBytes = options.maxBytes;
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    super._transform(chunk, encoding, (err, data) => {
      if (isVerifyError(err, 'TOO_LARGE')) {
        callback(new UpstreamError('TOO_LARGE', `${this.#label} is larger than the limit of ${this.#maxBytes} bytes`, { cause: err }));
      } else callback(err, data);
    });
  }

  override _flush(callback: TransformCallback): void {
    super._flush((err) => {
      if (err) return callback(err);
      const { hex, size } = this.result();
      if (this.#size !== undefined && size !== this.#size) {
        return callback(new UpstreamError('CHECKSUM_MISMATCH', `${this.#label}: got ${size} bytes, expected ${this.#size}`));
      }
      if (this.#expected !== undefined && hex !== this.#expected) {
        return callback(new UpstreamError('CHECKSUM_MISMATCH', `${this.#label}: sha256 is ${hex}, expected ${this.#expected}`));
      }
      callback();
    });
  }
}
