// Takes provider zips as they stream in (tarball entries or draft uploads) without holding them in memory:
// each zip is written to a temp file while its sha256 is computed, then, in the background while the
// next entry streams, pushed to the store from that file (digest known, so an identical blob already
// there is not sent again) and inspected from it (yauzl needs random access: zip format, unsafe entries,
// "only the provider binary" policy, the h1 hash). Memory stays flat; disk holds at most
// MAX_IN_FLIGHT + 1 zips. A zip pushed but then refused stays as an unreferenced blob: harmless, and
// garbage-collected by the registry.
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CallOptions, OciStore } from '../oci/store.js';
import type { Digest } from '../oci/types.js';
import { isVerifyError } from '../verify/errors.js';
import { Sha256Stream } from '../verify/sha256-stream.js';
import { checkProviderZipContents, inspectZip } from '../verify/zip-inspect.js';
import type { CollectedZip } from './release-files.js';

/** Zips pushed/inspected in the background while the next one streams in. */
const MAX_IN_FLIGHT = 2;

export interface SpoolTarget {
  store: OciStore;
  repository: string;
  type: string;
  version: string;
  tmpDir: string;
  /** One zip's size and uncompressed content cap. */
  maxEntryBytes: number;
  opts: CallOptions;
}

export interface ZipName {
  filename: string;
  os: string;
  arch: string;
}

export interface SpoolResult {
  zips: CollectedZip[];
  /** sha256 hex of every zip spooled, valid or not (SHA256SUMS is checked against all of them). */
  hashes: Map<string, string>;
  problems: string[];
}

export class ZipSpool {
  readonly #t: SpoolTarget;
  readonly #jobs = new Set<Promise<void>>();
  readonly #files = new Set<string>();
  readonly #result: SpoolResult = { zips: [], hashes: new Map(), problems: [] };
  #storeError: unknown;
  #dirReady: Promise<unknown> | undefined;

  constructor(target: SpoolTarget) {
    this.#t = target;
  }

  /**
   * Streams one zip to disk (throws VerifyError TOO_LARGE past maxEntryBytes, and the source's own
   * errors), then schedules its push and inspection. Resolves once the bytes are on disk.
   */
  async add(source: Readable | AsyncIterable<Uint8Array>, name: ZipName): Promise<void> {
    while (this.#jobs.size >= MAX_IN_FLIGHT) await Promise.race(this.#jobs);
    this.#throwStoreError();
    this.#dirReady ??= mkdir(this.#t.tmpDir, { recursive: true });
    await this.#dirReady;
    const file = join(this.#t.tmpDir, `publish-${randomUUID()}.zip`);
    this.#files.add(file);
    const hasher = new Sha256Stream({ maxBytes: this.#t.maxEntryBytes, label: name.filename });
    try {
      await pipeline(source, hasher, createWriteStream(file));
    } catch (err) {
      await this.#remove(file);
      throw err;
    }
    const { digest, hex, size } = hasher.result();
    this.#result.hashes.set(name.filename, hex);
    const job = this.#process(file, name, digest, size).finally(() => this.#jobs.delete(job));
    job.catch(() => undefined); // observed by add()'s race and by settle(); never an unhandled rejection
    this.#jobs.add(job);
  }

  async #process(file: string, name: ZipName, digest: Digest, size: number): Promise<void> {
    const { store, repository, opts, type, version, maxEntryBytes } = this.#t;
    const push = store.pushBlob(repository, createReadStream(file), { ...opts, digest, size })
      .catch((err: unknown) => {
        this.#storeError ??= err;
        return null;
      });
    try {
      const inspection = await inspectZip(file, { maxUncompressedBytes: maxEntryBytes });
      checkProviderZipContents(inspection.entries, type, version);
      const blob = await push;
      if (blob) this.#result.zips.push({ ...name, blob: { ...blob, size }, h1: inspection.h1 });
    } catch (err) {
      if (!isVerifyError(err)) throw err;
      this.#result.problems.push(`${name.filename}: ${err.message} (zip check)`);
      await push;
    } finally {
      await this.#remove(file);
    }
  }

  #throwStoreError(): void {
    if (this.#storeError !== undefined) throw this.#storeError;
  }

  async #remove(file: string): Promise<void> {
    this.#files.delete(file);
    await rm(file, { force: true });
  }

  /** Waits for every background push and inspection; rethrows the first store failure. */
  async settle(): Promise<SpoolResult> {
    const outcomes = await Promise.allSettled([...this.#jobs]);
    this.#throwStoreError();
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    return this.#result;
  }

  /** Waits for background work to stop and deletes every temp file (call in a finally). */
  async dispose(): Promise<void> {
    await Promise.allSettled([...this.#jobs]);
    await Promise.all([...this.#files].map((f) => rm(f, { force: true })));
    this.#files.clear();
  }
}
