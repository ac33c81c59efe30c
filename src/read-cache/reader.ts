// The read cache engine's one reader interface: what any feature reads from the store goes through these
// functions, with the caches of read-caches.ts in front.
//  - the caller's tag listing: per principal, one tags/list per tags TTL, parsed and sorted once
//    (tag-lists.ts); the SAME object while it lives, so results derived from it are memoized on it;
//  - tag -> manifest descriptor: shared by every caller, but used for a caller only when the caller's OWN
//    listing holds the tag (the gate); old entries are still served and revalidated in the background
//    (tag-digests.ts, tag-revalidator.ts);
//  - parsed manifests (tagged-manifests.ts) and small blobs by digest (immutable, shared).
// A warm listing costs at most one tags/list per tags TTL and nothing else on the request path.
import { createHash } from 'node:crypto';
import { callOpts, type Caller } from '../core/caller.js';
import { OciError } from '../oci/errors.js';
import type { Descriptor } from '../oci/types.js';
import type { ReadContext } from './read-context.js';
import type { VersionTag, VersionTagList } from './tag-lists.js';

/** Largest small blob (SHA256SUMS, signature, key, registry manifest) read into memory. */
export const MAX_SMALL_BLOB = 1024 * 1024;

/** The caller's listing of `repository` (cached per principal for the tags TTL, single-flight). */
export async function versionTagList(deps: ReadContext, repository: string, caller: Caller): Promise<VersionTagList> {
  const cached = deps.tags.get(repository, caller.principal);
  if (cached) return cached;
  return deps.flight.do(`tags|${repository}|${caller.principal}`, async () => {
    const epoch = deps.epochs.get(repository);
    const tags = await deps.store.listTags(repository, callOpts(caller));
    // A publish or delete here while the listing was in flight: answer with it, but do not keep it.
    return deps.tags.set(repository, caller.principal, tags, deps.epochs.get(repository) === epoch);
  });
}

/** Version tags of a repository, oldest first (non-version tags ignored). Frozen: do not mutate. */
export async function listVersionTags(deps: ReadContext, repository: string, caller: Caller): Promise<readonly VersionTag[]> {
  return (await versionTagList(deps, repository, caller)).versions;
}

/**
 * The shared descriptor of `tag`, for a tag taken from the caller's OWN listing (the caller passed the
 * gate). A stale entry is served and queued for a background HEAD with the caller's credential.
 */
export function listedTagDescriptor(deps: ReadContext, repository: string, tag: string, caller: Caller): Descriptor | undefined {
  const entry = deps.tagDigests.get(repository, tag);
  if (entry === undefined) return undefined;
  if (deps.tagDigests.isStale(entry)) deps.revalidator.schedule(repository, tag, entry, caller.credential);
  return entry.descriptor;
}

/**
 * The shared descriptor of `tag` when the caller's own listing holds the tag; undefined otherwise (then the
 * caller reads the tag upstream with its own credential, and the registry decides).
 */
export async function gatedTagDescriptor(
  deps: ReadContext,
  repository: string,
  tag: string,
  caller: Caller,
): Promise<Descriptor | undefined> {
  if (deps.tagDigests.revalidateMs <= 0) return undefined; // caching disabled (tags_ttl = 0): nothing to gate
  const list = await versionTagList(deps, repository, caller);
  return list.has(tag) ? listedTagDescriptor(deps, repository, tag, caller) : undefined;
}

/** Records what `tag` points at; a changed digest invalidates the repository's memoized results. */
export function rememberTag(deps: ReadContext, repository: string, tag: string, descriptor: Descriptor): void {
  const previous = deps.tagDigests.get(repository, tag);
  deps.tagDigests.set(repository, tag, descriptor);
  if (previous !== undefined && previous.descriptor.digest !== descriptor.digest) deps.epochs.bump(repository);
}

/** Forgets a tag whose cached digest no longer resolves (moved, old manifest deleted). */
export function forgetTag(deps: ReadContext, repository: string, tag: string): void {
  deps.tagDigests.delete(repository, tag);
  deps.epochs.bump(repository);
}

/** A small blob's bytes, verified by digest and cached (SHA256SUMS, signature, key). */
export async function readSmallBlob(deps: ReadContext, repository: string, desc: Descriptor, caller: Caller): Promise<Buffer> {
  const ckey = `blob|${desc.digest}`;
  const cached = deps.content.get<Buffer>(ckey);
  if (cached) return cached;
  if (desc.size > MAX_SMALL_BLOB)
    throw new OciError('TOO_LARGE', `blob ${desc.digest} is ${desc.size} bytes, over the ${MAX_SMALL_BLOB}-byte metadata limit`);
  return deps.flight.do(ckey, async () => {
    const blob = await deps.store.fetchBlob(repository, desc.digest, callOpts(caller));
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of blob.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_SMALL_BLOB) {
        blob.body.destroy();
        throw new OciError('TOO_LARGE', `blob ${desc.digest} exceeds ${MAX_SMALL_BLOB} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    const bytes = Buffer.concat(chunks);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (digest !== desc.digest) throw new OciError('DIGEST_MISMATCH', `blob content hashes to ${digest}, not ${desc.digest}`);
    deps.content.set(ckey, bytes, bytes.length + 64);
    return bytes;
  });
}

/**
 * Forgets what this replica knows of a repository's tags (after its own publish or delete): every
 * principal's listing, the shared tag -> digest entries, and (epoch bump) every memoized result.
 */
export function invalidateRepository(deps: ReadContext, repository: string): void {
  deps.tags.deleteRepository(repository);
  deps.tagDigests.deleteRepository(repository);
  deps.epochs.bump(repository);
}
