// Builds the read path's caches and memo tables in one place, with their sizes and lifetimes, for
// src/server/build-deps.ts and test/support/test-app.ts. Lifetimes derive from two settings:
//   cache.tags_ttl (T)         tag listings per caller live T; a shared tag -> digest entry is revalidated
//                              in the background once it is older than 30 T (stale-while-revalidate);
//                              a failed revalidation is retried after T.
//   server.download_url_ttl (D) documents carrying sealed download tickets are reused for
//                              min(30 s, D / 10): a reused document's URLs keep at least 0.9 D of life.
import type { Logger } from 'pino';
import type { OciStore } from '../oci/store.js';
import { BoundedMap } from '../core/bounded-map.js';
import { KeyInterner } from '../core/key-interner.js';
import { RepositoryEpochs } from './epochs.js';
import { ContentCache, SingleFlight } from '../core/lru-cache.js';
import { ListingMemo, WindowMemo } from './result-memo.js';
import { TagDigestCache } from './tag-digests.js';
import { TagListCache } from './tag-lists.js';
import { TagRevalidator } from './tag-revalidator.js';

/** A shared tag -> digest entry is revalidated after this many tag TTLs (tags are immutable here). */
export const REVALIDATE_AFTER_TAG_TTLS = 30;
/** Longest reuse of a document with sealed download tickets, ms. */
export const MAX_DOCUMENT_WINDOW_MS = 30_000;

export interface ReadCacheOptions {
  store: OciStore;
  logger: Logger;
  /** cache.tags_ttl in ms; 0 disables the caches of mutable facts (listings, tag -> digest). */
  tagsTtlMs: number;
  /** server.download_url_ttl in seconds. */
  downloadTtl: number;
  /** cache.max_bytes: budget of the digest-addressed content cache. */
  maxBytes: number;
  /** Clock in ms: the SAME clock as the ticket sealer, so that memo windows and ticket expiry agree. */
  now: () => number;
  maxTagLists?: number;
  maxTagDigests?: number;
}

export interface ReadCaches {
  /** Immutable, digest-addressed values (parsed manifests, small blobs, computed hashes), LRU by bytes. */
  content: ContentCache;
  /** repository|principal -> parsed, sorted version tags, for the tags TTL. */
  tags: TagListCache;
  /** repository|tag -> descriptor, shared across principals, gated by the caller's listing. */
  tagDigests: TagDigestCache;
  /** Background HEADs of stale tag -> digest entries. */
  revalidator: TagRevalidator;
  /** Per-repository change counters that invalidate memoized results. */
  epochs: RepositoryEpochs;
  /** Results derived from one listing object (versions, index.json). */
  listings: ListingMemo;
  /** Documents with sealed tickets, per principal, for a short window. */
  documents: WindowMemo;
  /** Parsed request parts (addresses, versions): successes only, bounded. */
  parsed: BoundedMap<string, unknown>;
  /** The keys of `parsed` and `documents`, interned (src/core/key-interner.ts). */
  keys: KeyInterner;
  flight: SingleFlight;
}

export function createReadCaches(o: ReadCacheOptions): ReadCaches {
  const tagDigests = new TagDigestCache({
    revalidateMs: o.tagsTtlMs * REVALIDATE_AFTER_TAG_TTLS,
    maxEntries: o.maxTagDigests ?? 200_000,
    now: o.now,
  });
  const epochs = new RepositoryEpochs();
  return {
    content: new ContentCache(o.maxBytes),
    tags: new TagListCache(o.tagsTtlMs, o.maxTagLists ?? 10_000, o.now),
    tagDigests,
    revalidator: new TagRevalidator({
      store: o.store,
      digests: tagDigests,
      epochs,
      logger: o.logger,
      retryMs: Math.max(1000, o.tagsTtlMs),
    }),
    epochs,
    listings: new ListingMemo(),
    documents: new WindowMemo(Math.min(MAX_DOCUMENT_WINDOW_MS, o.downloadTtl * 100), 4096, o.now),
    parsed: new BoundedMap<string, unknown>(4096),
    keys: new KeyInterner(16_384),
    flight: new SingleFlight(),
  };
}
