// Bounded in-memory caches. ContentCache holds immutable, digest-addressed values (parsed manifests,
// small blobs, computed hashes) up to a byte budget, evicting least recently used. TtlCache holds
// mutable facts (tag lists, tag -> digest) for a fixed time. Both are created in main and injected.

interface Entry<V> {
  value: V;
  size: number;
}

/** LRU cache bounded by the sum of entry sizes (approximate bytes). */
export class ContentCache {
  readonly #max: number;
  #used = 0;
  readonly #map = new Map<string, Entry<unknown>>();
  /** Counts for tests and /metrics-like introspection. */
  hits = 0;
  misses = 0;

  constructor(maxBytes: number) {
    this.#max = maxBytes;
  }

  get<V>(key: string): V | undefined {
    const e = this.#map.get(key);
    if (!e) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.#map.delete(key);
    this.#map.set(key, e);
    return e.value as V;
  }

  set<V>(key: string, value: V, size: number): void {
    if (size > this.#max) return;
    const old = this.#map.get(key);
    if (old) {
      this.#used -= old.size;
      this.#map.delete(key);
    }
    this.#map.set(key, { value, size });
    this.#used += size;
    for (const [k, e] of this.#map) {
      if (this.#used <= this.#max) break;
      this.#map.delete(k);
      this.#used -= e.size;
    }
  }

  get usedBytes(): number {
    return this.#used;
  }
}

/** Time-bounded cache of mutable facts, with a cap on entries (oldest dropped first). */
export class TtlCache<V> {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #map = new Map<string, { value: V; expires: number }>();

  constructor(ttlMs: number, maxEntries: number, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  get(key: string): V | undefined {
    const e = this.#map.get(key);
    if (!e) return undefined;
    if (e.expires <= this.#now()) {
      this.#map.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V): void {
    if (this.#ttlMs <= 0) return;
    const now = this.#now();
    this.#map.delete(key);
    this.#map.set(key, { value, expires: now + this.#ttlMs });
    // Entries are in set order, hence in expiry order (one TTL): drop the expired ones at the front, so
    // that what they hold (e.g. results memoized on a tag listing) does not outlive them.
    for (const [k, e] of this.#map) {
      if (e.expires > now) break;
      this.#map.delete(k);
    }
    while (this.#map.size > this.#maxEntries) {
      const first = this.#map.keys().next().value as string;
      this.#map.delete(first);
    }
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  /** Entries held (expired ones included until dropped). */
  get size(): number {
    return this.#map.size;
  }

  /** Drops every key starting with `prefix` (e.g. all tags of one repository). */
  deletePrefix(prefix: string): void {
    for (const k of this.#map.keys()) if (k.startsWith(prefix)) this.#map.delete(k);
  }
}

/** Shares one in-flight promise per key, so concurrent misses do the work once. */
export class SingleFlight {
  readonly #inflight = new Map<string, Promise<unknown>>();

  do<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const existing = this.#inflight.get(key);
    if (existing) return existing as Promise<T>;
    const p = fn().finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p;
  }

  /** The promise in flight for `key`, if any (to wait for it without starting one). */
  peek(key: string): Promise<unknown> | undefined {
    return this.#inflight.get(key);
  }
}
