// Background revalidation of the shared tag -> digest cache (tag-digests.ts): a stale entry is served at
// once, and a HEAD of the tag (store.resolveManifest, with the credential of the caller whose request found
// it stale) runs off the request path. Same digest: the entry is fresh for another interval. Another
// digest: the entry moves and the repository's epoch is bumped, so memoized results (result-memo.ts) are
// recomputed on the next request. Gone (404): the entry is dropped, epoch bumped. Other failures are only
// logged; the entry is retried after `retryMs`.
//
// Bounded: one job per (repository, tag) at a time, at most `concurrency` HEADs in flight for the whole
// process, at most `maxQueued` jobs waiting (more are dropped and asked for again by a later request).
import type { Logger } from 'pino';
import { isOciError } from '../oci/errors.js';
import type { Credential, OciStore } from '../oci/store.js';
import type { RepositoryEpochs } from './epochs.js';
import type { TagDigestCache, TagDigestEntry } from './tag-digests.js';

export interface TagRevalidatorOptions {
  store: OciStore;
  digests: TagDigestCache;
  epochs: RepositoryEpochs;
  logger: Logger;
  /** Wait before retrying an entry whose check failed (ms). */
  retryMs: number;
  /** HEADs in flight at once, process-wide. Default 4. */
  concurrency?: number;
  /** Jobs waiting at most. Default 10,000. */
  maxQueued?: number;
}

interface Job {
  key: string;
  repository: string;
  tag: string;
  entry: TagDigestEntry;
  credential: Credential | undefined;
}

/** What the revalidator did, for tests, the benchmark and introspection. */
export interface RevalidationStats {
  scheduled: number;
  confirmed: number;
  moved: number;
  removed: number;
  failed: number;
  dropped: number;
}

export class TagRevalidator {
  readonly stats: RevalidationStats = { scheduled: 0, confirmed: 0, moved: 0, removed: 0, failed: 0, dropped: 0 };
  readonly #o: Required<TagRevalidatorOptions>;
  readonly #pending = new Set<string>();
  #queue: Job[] = [];
  #head = 0;
  #running = 0;
  #pumpScheduled = false;
  #idle: Array<() => void> = [];

  constructor(opts: TagRevalidatorOptions) {
    this.#o = { ...opts, concurrency: opts.concurrency ?? 4, maxQueued: opts.maxQueued ?? 10_000 };
  }

  /** Asks for a background check of `entry` (the current entry of repository:tag), unless one is pending. */
  schedule(repository: string, tag: string, entry: TagDigestEntry, credential: Credential | undefined): void {
    const key = `${repository}|${tag}`;
    if (this.#pending.has(key)) return;
    if (this.#pending.size >= this.#o.maxQueued) {
      this.stats.dropped++;
      return;
    }
    this.#pending.add(key);
    this.#queue.push({ key, repository, tag, entry, credential });
    this.stats.scheduled++;
    // Started after the current request has answered (setImmediate), never on its path.
    if (!this.#pumpScheduled) {
      this.#pumpScheduled = true;
      setImmediate(() => {
        this.#pumpScheduled = false;
        this.#pump();
      });
    }
  }

  /** Jobs queued or running. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Resolves once nothing is queued or running (tests, benchmark). */
  idle(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    while (this.#running < this.#o.concurrency && this.#head < this.#queue.length) {
      const job = this.#queue[this.#head++]!;
      this.#running++;
      void this.#run(job).finally(() => {
        this.#running--;
        this.#pending.delete(job.key);
        this.#pump();
        if (this.#pending.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
      });
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  async #run(job: Job): Promise<void> {
    const { store, digests, epochs, logger } = this.#o;
    const { repository, tag, entry } = job;
    try {
      const found = await store.resolveManifest(repository, tag, job.credential ? { credential: job.credential } : {});
      if (!digests.isCurrent(repository, tag, entry)) return; // replaced or forgotten meanwhile
      if (found.digest === entry.descriptor.digest) {
        digests.postpone(entry);
        this.stats.confirmed++;
        return;
      }
      digests.set(repository, tag, found);
      epochs.bump(repository);
      this.stats.moved++;
      logger.info({ repository, tag, from: entry.descriptor.digest, to: found.digest }, 'tag moved; cached results recomputed');
    } catch (err) {
      if (!digests.isCurrent(repository, tag, entry)) return;
      if (isOciError(err, 'NOT_FOUND')) {
        digests.delete(repository, tag);
        epochs.bump(repository);
        this.stats.removed++;
        return;
      }
      digests.postpone(entry, this.#o.retryMs);
      this.stats.failed++;
      logger.warn({ err, repository, tag }, 'background revalidation of a tag failed; the cached digest is still served');
    }
  }
}
