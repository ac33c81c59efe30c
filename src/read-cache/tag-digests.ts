// Tag -> descriptor of what the tag pointed at: ONE entry per (repository, tag), shared by every caller.
// Sharing is safe only behind a gate: an entry is used for a caller only when the caller's OWN tag listing
// (tag-lists.ts, per principal) holds the tag, so a caller that cannot list a repository never gets
// metadata that another caller's credential fetched (provider-reader.ts `gatedTagDescriptor`).
//
// Entries do not expire (stale-while-revalidate): past `revalidateMs` an entry is still served, and the
// reader asks tag-revalidator.ts for a background HEAD that confirms it, moves it (and bumps the
// repository's epoch), or drops it. A tag that left the caller's listing is never served from here.
// A non-positive `revalidateMs` (tags_ttl = 0) disables the cache: nothing is stored.
import type { Descriptor } from '../oci/types.js';

export interface TagDigestEntry {
  readonly descriptor: Descriptor;
  /** Time (ms) from which the entry is due for a background check. */
  revalidateAt: number;
}

export interface TagDigestCacheOptions {
  /** Age after which an entry is revalidated in the background (still served meanwhile). */
  revalidateMs: number;
  /** Cap on entries across repositories (oldest dropped first). */
  maxEntries: number;
  now: () => number;
}

export class TagDigestCache {
  readonly revalidateMs: number;
  readonly #max: number;
  readonly #now: () => number;
  /** repository -> tag -> entry (per repository, so that a publish forgets its repository in O(1)). */
  readonly #repos = new Map<string, Map<string, TagDigestEntry>>();
  #count = 0;

  constructor(opts: TagDigestCacheOptions) {
    this.revalidateMs = opts.revalidateMs;
    this.#max = opts.maxEntries;
    this.#now = opts.now;
  }

  get(repository: string, tag: string): TagDigestEntry | undefined {
    return this.#repos.get(repository)?.get(tag);
  }

  /** True when `entry` should be confirmed by a background HEAD. */
  isStale(entry: TagDigestEntry): boolean {
    return entry.revalidateAt <= this.#now();
  }

  /** Records what `tag` points at, fresh for `revalidateMs`. */
  set(repository: string, tag: string, descriptor: Descriptor): void {
    if (this.revalidateMs <= 0 || this.#max <= 0) return;
    let tags = this.#repos.get(repository);
    if (!tags) {
      tags = new Map();
      this.#repos.set(repository, tags);
    }
    if (!tags.has(tag)) this.#count++;
    tags.set(tag, { descriptor, revalidateAt: this.#now() + this.revalidateMs });
    while (this.#count > this.#max) this.#evictOne();
  }

  /** Pushes the next check of `entry` `afterMs` into the future (default: a full interval). */
  postpone(entry: TagDigestEntry, afterMs = this.revalidateMs): void {
    entry.revalidateAt = this.#now() + afterMs;
  }

  /** True while `entry` is still the current entry of (repository, tag): not replaced or forgotten since. */
  isCurrent(repository: string, tag: string, entry: TagDigestEntry): boolean {
    return this.get(repository, tag) === entry;
  }

  delete(repository: string, tag: string): void {
    const tags = this.#repos.get(repository);
    if (!tags?.delete(tag)) return;
    this.#count--;
    if (tags.size === 0) this.#repos.delete(repository);
  }

  /** Forgets every tag of `repository` (after this replica published or deleted there). */
  deleteRepository(repository: string): void {
    const tags = this.#repos.get(repository);
    if (!tags) return;
    this.#count -= tags.size;
    this.#repos.delete(repository);
  }

  get size(): number {
    return this.#count;
  }

  #evictOne(): void {
    const first = this.#repos.entries().next().value as [string, Map<string, TagDigestEntry>] | undefined;
    if (!first) return;
    const [repository, tags] = first;
    this.delete(repository, tags.keys().next().value as string);
  }
}
