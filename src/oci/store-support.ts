// Helpers shared by every OciStore implementation (memory, image-layout, remote registry): name and
// reference validation, and the streaming digest/size check used on every blob write and read
// (the oras-go VerifyReader idea as a Node Transform: hash while the bytes flow, fail at the end).
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { OciError } from './errors.js';
import type { BlobVerification } from './store.js';
import { REPOSITORY_NAME_RE, TAG_RE, isDigest, type Digest } from './types.js';

/** Limits checked while content streams: exact `size`, upper bound `maxSize`, expected `digest`. */
export interface ContentLimits {
  size?: number;
  maxSize?: number;
  digest?: Digest;
}

/** The sha256 digest of some bytes. */
export function sha256Digest(bytes: Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
}

/** Throws INVALID unless `name` is an OCI repository name (also rules out `..` and absolute paths). */
export function validateRepository(name: string): void {
  if (name.length > 255 || !REPOSITORY_NAME_RE.test(name)) {
    throw new OciError('INVALID', `invalid repository name ${JSON.stringify(name)}`);
  }
}

/** Throws INVALID unless `reference` is a tag or a sha256 digest. */
export function validateReference(reference: string): void {
  if (!TAG_RE.test(reference) && !isDigest(reference)) {
    throw new OciError('INVALID', `invalid reference ${JSON.stringify(reference)}: expected a tag or sha256 digest`);
  }
}

/** Throws INVALID unless `digest` is a canonical sha256 digest. */
export function validateDigest(digest: string): asserts digest is Digest {
  if (!isDigest(digest)) throw new OciError('INVALID', `${JSON.stringify(digest)} is not a sha256 digest`);
}

function overLimit(size: number, limits: ContentLimits): OciError | null {
  if (limits.size !== undefined && size > limits.size) {
    return new OciError('SIZE_MISMATCH', `content is larger than the expected ${limits.size} bytes`);
  }
  if (limits.maxSize !== undefined && size > limits.maxSize) {
    return new OciError('TOO_LARGE', `content exceeds the limit of ${limits.maxSize} bytes`);
  }
  return null;
}

function finalCheck(size: number, digest: Digest, limits: ContentLimits): OciError | null {
  if (limits.size !== undefined && size !== limits.size) {
    return new OciError('SIZE_MISMATCH', `content has ${size} bytes, expected ${limits.size}`);
  }
  if (limits.digest !== undefined && digest !== limits.digest) {
    return new OciError('DIGEST_MISMATCH', `content hashes to ${digest}, expected ${limits.digest}`);
  }
  return null;
}

/** Checks bytes already in memory against limits; returns their digest and size. */
export function checkBuffer(bytes: Buffer, limits: ContentLimits): { digest: Digest; size: number } {
  const early = overLimit(bytes.length, limits);
  if (early) throw early;
  const digest = sha256Digest(bytes);
  const late = finalCheck(bytes.length, digest, limits);
  if (late) throw late;
  return { digest, size: bytes.length };
}

/**
 * A pass-through Transform that hashes and counts bytes. It fails the stream as soon as the count
 * passes `size`/`maxSize` (so an oversized upload is cut short), and at the end when the total size
 * or the digest differs from the expected one. `digest`/`size` are readable after the stream ended.
 */
export class DigestCounter extends Transform {
  readonly #hash = createHash('sha256');
  readonly #limits: ContentLimits;
  #size = 0;
  #digest: Digest | undefined;
  /** The verification failure raised by this transform, if any (to tell it from transport errors). */
  failure: OciError | undefined;

  constructor(limits: ContentLimits = {}) {
    super();
    this.#limits = limits;
  }

  get size(): number {
    return this.#size;
  }

  /** The digest of everything that passed; undefined until the stream has ended. */
  get digest(): Digest | undefined {
    return this.#digest;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#size += chunk.length;
    const err = overLimit(this.#size, this.#limits);
    if (err) {
      this.failure = err;
      callback(err);
      return;
    }
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#digest = `sha256:${this.#hash.digest('hex')}` as Digest;
    const err = finalCheck(this.#size, this.#digest, this.#limits);
    if (err) this.failure = err;
    callback(err ?? undefined);
  }
}

/**
 * A pass-through Transform that only counts bytes (blob reads with `verify: 'size'`, store.ts): it fails
 * the stream as soon as more than `size` bytes passed, and at the end when fewer did. No hashing.
 */
export class SizeCounter extends Transform {
  readonly #expected: number;
  #size = 0;
  /** The verification failure raised by this transform, if any (to tell it from transport errors). */
  failure: OciError | undefined;

  constructor(size: number) {
    super();
    this.#expected = size;
  }

  get size(): number {
    return this.#size;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#size += chunk.length;
    if (this.#size > this.#expected) {
      this.failure = new OciError('SIZE_MISMATCH', `content is larger than the expected ${this.#expected} bytes`);
      callback(this.failure);
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#size !== this.#expected)
      this.failure = new OciError('SIZE_MISMATCH', `content has ${this.#size} bytes, expected ${this.#expected}`);
    callback(this.failure ?? undefined);
  }
}

/** The stream check for a blob read: a DigestCounter, or (verify = 'size') a SizeCounter. */
export function blobChecker(size: number, digest: Digest, verify: BlobVerification = 'digest'): Transform {
  return verify === 'size' ? new SizeCounter(size) : new DigestCounter({ size, digest });
}

/** What a manifest points at, for the existence checks a registry makes on push. */
export interface ManifestReferences {
  /** Config and layer blobs (image manifest). */
  blobs: Digest[];
  /** Child manifests (index). */
  manifests: Digest[];
}

function descriptorDigests(value: unknown, what: string): Digest[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new OciError('INVALID', `manifest ${what} is not an array`);
  return value.map((d: unknown) => {
    const digest = typeof d === 'object' && d !== null ? (d as { digest?: unknown }).digest : undefined;
    if (typeof digest !== 'string' || !isDigest(digest)) throw new OciError('INVALID', `manifest ${what} entry without a sha256 digest`);
    return digest;
  });
}

/**
 * Parses a manifest just enough to list what it references (as Distribution does before accepting
 * it: MANIFEST_BLOB_UNKNOWN otherwise). INVALID for bytes that are not a JSON object.
 */
export function manifestReferences(bytes: Buffer): ManifestReferences {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new OciError('INVALID', 'manifest is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new OciError('INVALID', 'manifest is not a JSON object');
  const m = parsed as { config?: unknown; layers?: unknown; manifests?: unknown };
  const blobs = [...(m.config === undefined ? [] : descriptorDigests([m.config], 'config')), ...descriptorDigests(m.layers, 'layers')];
  return { blobs, manifests: descriptorDigests(m.manifests, 'manifests') };
}
