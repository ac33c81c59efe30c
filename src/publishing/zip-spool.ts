// Takes provider zips as they stream in (tarball entries or draft uploads) without holding them in memory:
// each zip is teed, as it streams, to the store (one streaming blob upload that computes the digest) and
// to a temp file; then, in the background while the next entry streams, the file is inspected (yauzl
// needs random access: zip format, unsafe entries, "only the provider binary" policy, the h1 hash).
// Memory stays flat; disk holds at most MAX_IN_FLIGHT + 1 zips. Compared with writing the file while
// hashing and pushing it from disk afterwards, the tee costs one sha256 pass and one read of every zip
// less for the same throughput (bench/publish.ts); the price is that a zip the registry already has is
// sent again (its digest is known only at the end). A zip pushed but then refused stays as an
// unreferenced blob: harmless, and garbage-collected by the registry.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CallOptions, OciStore } from '../oci/store.js';
import type { Descriptor } from '../oci/types.js';
import { isVerifyError } from '../verify/errors.js';
import { checkProviderZipContents, inspectZip, type ZipInspection, type ZipInspectOptions } from '../verify/zip-inspect.js';
import { LimitExceededError, UploadInterruptedError } from '../core/byte-limit.js';
import type { CollectedZip } from './release-files.js';
import { Tee } from '../core/tee.js';
import { touchFiles } from '../core/temp-sweep.js';

/** Zips inspected in the background while the next one streams in. */
const MAX_IN_FLIGHT = 2;

/** Name prefix of every spooled file in the temp dir (the temp sweep removes stale ones: core/temp-sweep.ts). */
export const SPOOL_PREFIX = 'publish-';

export interface SpoolTarget {
  store: OciStore;
  repository: string;
  type: string;
  version: string;
  tmpDir: string;
  /** One zip's size and uncompressed content cap. */
  maxEntryBytes: number;
  opts: CallOptions;
  /** Runs the zip inspection (h1, contents policy input); default in-thread, the server passes a worker pool's. */
  inspect?: (path: string, options: ZipInspectOptions) => Promise<ZipInspection>;
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
  #dirReady: Promise<unknown> | undefined;
  /** The store's failure, when a zip could not be stored: the cause of whatever failed after it. */
  storeFailure: unknown;

  constructor(target: SpoolTarget) {
    this.#t = target;
  }

  /**
   * Streams one zip to the store and to disk at once (the caller bounds the source: tar headers give each
   * entry's size, draft bodies are capped; the store refuses more than maxEntryBytes too), then schedules
   * its inspection. Resolves once the blob is stored and the bytes are on disk.
   */
  async add(source: Readable | AsyncIterable<Uint8Array>, name: ZipName): Promise<void> {
    while (this.#jobs.size >= MAX_IN_FLIGHT) await Promise.race(this.#jobs);
    this.#dirReady ??= mkdir(this.#t.tmpDir, { recursive: true });
    await this.#dirReady;
    const { store, repository, opts, maxEntryBytes } = this.#t;
    const file = join(this.#t.tmpDir, `${SPOOL_PREFIX}${randomUUID()}.zip`);
    this.#files.add(file);
    const upload = new PassThrough({ highWaterMark: 1 << 20 });
    const push = store.pushBlob(repository, upload, { ...opts, maxSize: maxEntryBytes });
    // 1 MiB buffered: chunks reach the disk in writev batches, not one write each (bench/findings.md).
    const disk = createWriteStream(file, { highWaterMark: 1 << 20 });
    const tee = new Tee(upload, disk);
    push.catch((err: unknown) => tee.destroy(err as Error)); // a refused upload stops the copy at once
    let blob: Descriptor;
    try {
      await pipeline(source, tee);
      blob = await push;
    } catch (err) {
      upload.destroy();
      disk.destroy();
      // The file is opened asynchronously: removing it before the stream closed could let it reappear.
      if (!disk.closed) await once(disk, 'close');
      const pushError: unknown = await push.then(
        () => undefined,
        (e: unknown) => e,
      );
      await this.#remove(file);
      // The source's own failure (a limit, a dropped client) is the cause; otherwise the store's is.
      if (err instanceof LimitExceededError || err instanceof UploadInterruptedError || pushError === undefined) throw err;
      this.storeFailure ??= pushError;
      throw pushError;
    }
    this.#result.hashes.set(name.filename, blob.digest.slice('sha256:'.length));
    const job = this.#inspect(file, name, blob).finally(() => this.#jobs.delete(job));
    job.catch(() => undefined); // observed by add()'s race and by settle(); never an unhandled rejection
    this.#jobs.add(job);
  }

  async #inspect(file: string, name: ZipName, blob: Descriptor): Promise<void> {
    const { type, version, maxEntryBytes } = this.#t;
    const inspect = this.#t.inspect ?? inspectZip;
    try {
      const inspection = await inspect(file, { maxUncompressedBytes: maxEntryBytes });
      checkProviderZipContents(inspection.entries, type, version);
      this.#result.zips.push({ ...name, blob, h1: inspection.h1 });
    } catch (err) {
      if (!isVerifyError(err)) throw err;
      this.#result.problems.push(`${name.filename}: ${err.message} (zip check)`);
    } finally {
      await this.#remove(file);
    }
  }

  async #remove(file: string): Promise<void> {
    this.#files.delete(file);
    await rm(file, { force: true });
  }

  /** Marks every file this spool holds as in use (the upload's lease renewal: no temp sweep takes them). */
  async touch(): Promise<void> {
    await touchFiles(this.#files, new Date());
  }

  /** Waits for every background inspection; rethrows an I/O failure. */
  async settle(): Promise<SpoolResult> {
    const outcomes = await Promise.allSettled([...this.#jobs]);
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
