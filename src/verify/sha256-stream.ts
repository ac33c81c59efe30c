// Hash-while-streaming for the publish path: a pass-through Transform that computes sha256 and counts bytes,
// failing as soon as a size cap is passed (STYLE.md habit 3: enforce upload limits inside the pipeline).
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VerifyError } from './errors.js';

export interface Sha256Result {
  /** `sha256:<hex>`: the OCI digest of the bytes (https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests). */
  digest: `sha256:${string}`;
  /** Lowercase hex: the `zh:` hash and SHA256SUMS value when the bytes are a provider zip. */
  hex: string;
  size: number;
}

export interface Sha256StreamOptions {
  /** Fail with VerifyError TOO_LARGE once more than this many bytes have passed. */
  maxBytes?: number;
  /** Names the stream in the TOO_LARGE message, e.g. the uploaded file name. */
  label?: string;
}

/**
 * A pass-through stream that hashes and counts what flows through it. Read {@link Sha256Stream.result}
 * after the pipeline has finished.
 */
export class Sha256Stream extends Transform {
  #hash: Hash = createHash('sha256');
  #size = 0;
  #result: Sha256Result | undefined;
  readonly #maxBytes: number;
  readonly #label: string;

  constructor(options: Sha256StreamOptions = {}) {
    super();
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.#label = options.label ?? 'stream';
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.#size;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#size += chunk.length;
    if (this.#size > this.#maxBytes) {
      callback(new VerifyError('TOO_LARGE', `${this.#label} is larger than the limit of ${this.#maxBytes} bytes`));
      return;
    }
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const hex = this.#hash.digest('hex');
    this.#result = { digest: `sha256:${hex}`, hex, size: this.#size };
    callback();
  }

  /** The digest and size; throws if the stream has not ended (or failed). */
  result(): Sha256Result {
    if (!this.#result) throw new Error('Sha256Stream.result() called before the stream finished');
    return this.#result;
  }
}

/** Hashes a file by streaming it (for temp files written by the publish path). */
export async function sha256File(path: string, options: Sha256StreamOptions = {}): Promise<Sha256Result> {
  const hasher = new Sha256Stream({ label: path, ...options });
  await pipeline(createReadStream(path), hasher, async function drain(source: AsyncIterable<Buffer>) {
    for await (const _ of source) {
      /* pass-through output is not needed */
    }
  });
  return hasher.result();
}
