// Memoized use-case results, so that a warm request does a few map lookups instead of recomputing (and
// the HTTP layer serializes each memoized object once: src/http/json.ts). Two kinds:
//  - ListingMemo: results derived from ONE caller's tag listing (versions, mirror index.json), keyed on
//    the VersionTagList object itself (tag-lists.ts: same object while nothing changed) plus the
//    repository's epoch (epochs.ts). A WeakMap: a result lives no longer than its listing.
//  - WindowMemo: documents that carry sealed download tickets (download JSON, mirror <version>.json,
//    module downloads), per key (which always includes the principal) for a short window, and only while
//    the repository's epoch is unchanged. The window is a small fraction of the ticket lifetime, so a
//    reused document always hands out URLs with most of their lifetime left (read-caches.ts).
// A memo never decides access: callers check the caller's own tag listing before using a hit.
import { BoundedMap } from '../core/bounded-map.js';
import type { VersionTagList } from './tag-lists.js';

interface Memoized {
  epoch: number;
  result: unknown;
}

/** Results per (listing object, kind), valid while the repository's epoch is unchanged. */
export class ListingMemo {
  readonly #map = new WeakMap<VersionTagList, Map<string, Memoized>>();

  get<R>(list: VersionTagList, kind: string, epoch: number): R | undefined {
    const e = this.#map.get(list)?.get(kind);
    return e !== undefined && e.epoch === epoch ? (e.result as R) : undefined;
  }

  set<R>(list: VersionTagList, kind: string, epoch: number, result: R): void {
    let kinds = this.#map.get(list);
    if (!kinds) {
      kinds = new Map();
      this.#map.set(list, kinds);
    }
    kinds.set(kind, { epoch, result });
  }
}

/** Results per key for `windowMs`, valid while the repository's epoch is unchanged. Bounded. */
export class WindowMemo {
  readonly windowMs: number;
  readonly #map: BoundedMap<string, Memoized & { expires: number }>;
  readonly #now: () => number;

  constructor(windowMs: number, maxEntries: number, now: () => number) {
    this.windowMs = windowMs;
    this.#map = new BoundedMap(windowMs > 0 ? maxEntries : 0);
    this.#now = now;
  }

  get<R>(key: string, epoch: number): R | undefined {
    const e = this.#map.get(key);
    if (e === undefined) return undefined;
    if (e.epoch !== epoch || e.expires <= this.#now()) {
      this.#map.delete(key);
      return undefined;
    }
    return e.result as R;
  }

  set<R>(key: string, epoch: number, result: R): void {
    this.#map.set(key, { epoch, result, expires: this.#now() + this.windowMs });
  }
}
