// The two memoization patterns of the read path, over the memo tables of read-caches.ts:
//  - memoizedListing: a result derived from the caller's own tag listing (versions, index.json), reused
//    while the listing object lives (one tags TTL) and the repository's epoch is unchanged;
//  - memoizedDocument: a document about ONE tag that carries sealed download tickets, reused per
//    principal for the document window, and only while the caller's own listing still holds the tag
//    (the same gate as the shared tag -> digest cache) and the repository's epoch is unchanged.
// With tags_ttl = 0 (caching off) nothing is memoized.
import type { Caller } from '../core/caller.js';
import type { ReadContext } from './read-context.js';
import { versionTagList } from './reader.js';
import type { VersionTagList } from './tag-lists.js';

/**
 * Runs a use case whose warm path is synchronous (a memo hit: no promise, no microtask, the point of the
 * memo tables) and maps its errors with `convert`. Errors always come back as a rejected promise, also
 * those thrown synchronously (bad addresses), so callers see one error channel.
 */
export function warmOrAsync<R>(run: () => R | Promise<R>, convert: (err: unknown) => Error): R | Promise<R> {
  try {
    const r = run();
    return r instanceof Promise ? r.catch((err: unknown) => Promise.reject(convert(err))) : r;
  } catch (err) {
    return Promise.reject(convert(err));
  }
}

/** What a listing computation returns: the result, and whether it may be reused (nothing transient). */
export interface Computed<R> {
  result: R;
  cacheable: boolean;
}

/** Synchronous on a hit (no promise, no microtask): the warm path of every listing endpoint. */
export function memoizedListing<R>(
  deps: ReadContext,
  repository: string,
  caller: Caller,
  kind: string,
  compute: (list: VersionTagList) => Promise<Computed<R>> | Computed<R>,
): R | Promise<R> {
  const list = deps.tags.get(repository, caller.principal);
  if (list !== undefined) {
    const hit = deps.listings.get<R>(list, kind, deps.epochs.get(repository));
    if (hit !== undefined) return hit;
  }
  return computeListing(deps, repository, caller, kind, compute);
}

async function computeListing<R>(
  deps: ReadContext,
  repository: string,
  caller: Caller,
  kind: string,
  compute: (list: VersionTagList) => Promise<Computed<R>> | Computed<R>,
): Promise<R> {
  const list = await versionTagList(deps, repository, caller);
  const epoch = deps.epochs.get(repository);
  const hit = deps.listings.get<R>(list, kind, epoch);
  if (hit !== undefined) return hit;
  const { result, cacheable } = await compute(list);
  if (cacheable) deps.listings.set(list, kind, epoch, result);
  return result;
}

/**
 * `key` names the document within the repository (kind, version, platform…); the principal is added here,
 * and the parts are interned into one memo key (src/core/key-interner.ts). Synchronous on a hit whose gate
 * (the caller's cached listing) is at hand.
 */
export function memoizedDocument<R>(
  deps: ReadContext,
  repository: string,
  tag: string,
  caller: Caller,
  key: readonly string[],
  compute: () => Promise<R>,
): R | Promise<R> {
  if (deps.tagDigests.revalidateMs <= 0) return compute();
  // The label too: the sealed tickets inside name who they were issued to (usage reports).
  const memoKey = deps.keys.key(caller.principal, caller.label ?? '', repository, ...key);
  const list = deps.tags.get(repository, caller.principal);
  if (list !== undefined) {
    // Not in the caller's listing: nothing shared or memoized applies; compute() asks upstream as the caller.
    if (!list.has(tag)) return compute();
    const hit = deps.documents.get<R>(memoKey, deps.epochs.get(repository));
    if (hit !== undefined) return hit;
  }
  return computeDocument(deps, repository, tag, caller, memoKey, compute);
}

/** The slow path of memoizedDocument: the caller's listing fetched first; `memoKey` includes the principal. */
async function computeDocument<R>(
  deps: ReadContext,
  repository: string,
  tag: string,
  caller: Caller,
  memoKey: string,
  compute: () => Promise<R>,
): Promise<R> {
  const list = await versionTagList(deps, repository, caller);
  if (!list.has(tag)) return compute();
  const epoch = deps.epochs.get(repository);
  const hit = deps.documents.get<R>(memoKey, epoch);
  if (hit !== undefined) return hit;
  const result = await compute();
  deps.documents.set(memoKey, epoch, result);
  return result;
}
