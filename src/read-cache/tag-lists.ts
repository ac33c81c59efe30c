// Per-caller tag listings, parsed ONCE per fetch: the version tags of a repository (other tags ignored),
// sorted oldest first with pre-parsed versions (no semver re-parsing inside the sort), plus a set for the
// membership check that gates the shared tag -> digest cache (tag-digests.ts). While a cache entry lives,
// every reader gets the SAME VersionTagList object: identity means "nothing changed", so results derived
// from a listing are memoized on it (result-memo.ts). Listings are per principal: a caller only ever
// sees tags its own credential listed.
import type { SemVer } from 'semver';
import semverParse from 'semver/functions/parse.js';
import { tagToVersion } from '../layout/names.js';
import { BoundedMap } from '../core/bounded-map.js';
import { KeyInterner } from '../core/key-interner.js';
import { TtlCache } from '../core/lru-cache.js';

export interface VersionTag {
  version: string;
  tag: string;
}

interface ParsedTag {
  entry: VersionTag;
  semver: SemVer;
}

/** One fetched listing: version tags oldest first, and which tags it holds. Immutable. */
export class VersionTagList {
  /** Version tags, oldest first (semver precedence, then build metadata). Frozen. */
  readonly versions: readonly VersionTag[];
  readonly #tags: ReadonlySet<string>;

  constructor(versions: readonly VersionTag[]) {
    this.versions = Object.freeze(versions);
    this.#tags = new Set(versions.map((v) => v.tag));
  }

  /** True when the listing holds version tag `tag`. */
  has(tag: string): boolean {
    return this.#tags.has(tag);
  }
}

/** Listings per (repository, principal) for the tags TTL; tag parsing memoized across fetches. */
export class TagListCache {
  readonly #lists: TtlCache<VersionTagList>;
  /** tag -> parsed version (null: not a version tag). Tags repeat across repositories and fetches. */
  readonly #parsed = new BoundedMap<string, ParsedTag | null>(20_000);
  /** (repository, principal) -> the key of #lists, one string object per pair (key-interner.ts). */
  readonly #keys = new KeyInterner(20_000);

  constructor(ttlMs: number, maxEntries: number, now: () => number) {
    this.#lists = new TtlCache<VersionTagList>(ttlMs, maxEntries, now);
  }

  get(repository: string, principal: string): VersionTagList | undefined {
    return this.#lists.get(this.#keys.key(repository, principal));
  }

  /** Parses and sorts `tags`, keeps the listing for the TTL (unless `keep` is false) and returns it. */
  set(repository: string, principal: string, tags: readonly string[], keep = true): VersionTagList {
    const parsed: ParsedTag[] = [];
    for (const tag of tags) {
      const p = this.#parse(tag);
      if (p) parsed.push(p);
    }
    // SemVer#compare is precedence only; SemVer#compareBuild compares build metadata only.
    parsed.sort((a, b) => a.semver.compare(b.semver) || a.semver.compareBuild(b.semver));
    const list = new VersionTagList(parsed.map((p) => p.entry));
    if (keep) this.#lists.set(this.#keys.key(repository, principal), list);
    return list;
  }

  /** Forgets every principal's listing of `repository`. */
  deleteRepository(repository: string): void {
    this.#lists.deletePrefix(KeyInterner.prefixOf(repository));
  }

  #parse(tag: string): ParsedTag | null {
    const known = this.#parsed.get(tag);
    if (known !== undefined) return known;
    const version = tagToVersion(tag);
    const parsed = version === null ? null : { entry: Object.freeze({ version, tag }), semver: semverParse(version)! };
    this.#parsed.set(tag, parsed);
    return parsed;
  }
}
