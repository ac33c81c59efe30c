// Reads provider versions out of the store with the caches in front (read-caches.ts):
//  - the caller's tag listing: per principal, one tags/list per tags TTL, parsed and sorted once
//    (tag-lists.ts); the SAME object while it lives, so results derived from it are memoized on it;
//  - tag -> index descriptor: shared by every caller, but used for a caller only when the caller's OWN
//    listing holds the tag (the gate); old entries are still served and revalidated in the background
//    (tag-digests.ts, tag-revalidator.ts);
//  - parsed manifests and small blobs by digest (immutable, shared).
// A warm listing costs at most one tags/list per tags TTL and nothing else on the request path; a cold
// one costs one tags/list plus one manifest GET per version not known yet, run in parallel with a bound.
import { createHash } from 'node:crypto';
import { OciError, isOciError } from '../oci/errors.js';
import type { Descriptor } from '../oci/types.js';
import { parseMetadataManifest, parsePlatformManifest, parseProviderIndex } from '../layout/provider-index.js';
import { isLayoutError } from '../layout/errors.js';
import type { ProviderIndex, ProviderMetadataLayers, ProviderPackageLayer, ProviderPlatformEntry } from '../layout/types.js';
import { callOpts, mapLimit, type Caller, type RegistryDeps } from './context.js';
import type { VersionTag, VersionTagList } from './tag-lists.js';
import { cachedParse, readTaggedManifest, type ManifestKind, type TagHooks } from './tagged-manifests.js';

export type { VersionTag, VersionTagList } from './tag-lists.js';

/** Upstream manifest GETs in flight at once for one cold listing. */
const LISTING_CONCURRENCY = 16;
/** Largest small blob (SHA256SUMS, signature, key, registry manifest) read into memory. */
export const MAX_SMALL_BLOB = 1024 * 1024;

/** The caller's listing of `repository` (cached per principal for the tags TTL, single-flight). */
export async function versionTagList(deps: RegistryDeps, repository: string, caller: Caller): Promise<VersionTagList> {
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
export async function listVersionTags(deps: RegistryDeps, repository: string, caller: Caller): Promise<readonly VersionTag[]> {
  return (await versionTagList(deps, repository, caller)).versions;
}

/**
 * The shared descriptor of `tag`, for a tag taken from the caller's OWN listing (the caller passed the
 * gate). A stale entry is served and queued for a background HEAD with the caller's credential.
 */
export function listedTagDescriptor(deps: RegistryDeps, repository: string, tag: string, caller: Caller): Descriptor | undefined {
  const entry = deps.tagDigests.get(repository, tag);
  if (entry === undefined) return undefined;
  if (deps.tagDigests.isStale(entry)) deps.revalidator.schedule(repository, tag, entry, caller.credential);
  return entry.descriptor;
}

/**
 * The shared descriptor of `tag` when the caller's own listing holds the tag; undefined otherwise (then the
 * caller reads the tag upstream with its own credential, and the registry decides).
 */
export async function gatedTagDescriptor(deps: RegistryDeps, repository: string, tag: string, caller: Caller): Promise<Descriptor | undefined> {
  if (deps.tagDigests.revalidateMs <= 0) return undefined; // caching disabled (tags_ttl = 0): nothing to gate
  const list = await versionTagList(deps, repository, caller);
  return list.has(tag) ? listedTagDescriptor(deps, repository, tag, caller) : undefined;
}

/** Records what `tag` points at; a changed digest invalidates the repository's memoized results. */
export function recordTag(deps: RegistryDeps, repository: string, tag: string, descriptor: Descriptor): void {
  const previous = deps.tagDigests.get(repository, tag);
  deps.tagDigests.set(repository, tag, descriptor);
  if (previous !== undefined && previous.descriptor.digest !== descriptor.digest) deps.epochs.bump(repository);
}

/** Forgets a tag whose cached digest no longer resolves (moved, old manifest deleted). */
export function forgetTag(deps: RegistryDeps, repository: string, tag: string): void {
  deps.tagDigests.delete(repository, tag);
  deps.epochs.bump(repository);
}

/** Provider indexes as a manifest kind (tagged-manifests.ts): parsed with OpenTofu's rules, cached by digest. */
const PROVIDER_INDEX: ManifestKind<ProviderIndex> = { cacheKey: 'provider-index', parse: parseProviderIndex };
const TAG_HOOKS: TagHooks = { recordTag, forgetTag };

/** A provider version's index: tag resolved through the gated shared cache, parsed index cached by digest. */
export async function readProviderIndex(
  deps: RegistryDeps,
  repository: string,
  tag: string,
  caller: Caller,
): Promise<{ descriptor: Descriptor; index: ProviderIndex }> {
  return readIndexAt(deps, repository, tag, await gatedTagDescriptor(deps, repository, tag, caller), caller);
}

async function readIndexAt(deps: RegistryDeps, repository: string, tag: string, known: Descriptor | undefined, caller: Caller) {
  const { descriptor, value } = await readTaggedManifest(deps, TAG_HOOKS, PROVIDER_INDEX, repository, tag, known, caller);
  return { descriptor, index: value };
}

/** One version of a listing: its index, or why it is hidden (`vanished`: gone while listing, not cached). */
export type ListedIndex = VersionTag & { index?: ProviderIndex; error?: string; vanished?: boolean };

/**
 * Indexes of every version in the caller's own listing. Versions whose tag and index are cached are read
 * synchronously; only the others go upstream (in parallel, bounded). Tags that vanished or do not parse
 * come back with `error`.
 */
export async function readProviderIndexes(deps: RegistryDeps, repository: string, list: VersionTagList, caller: Caller): Promise<ListedIndex[]> {
  const tags = list.versions;
  const out = new Array<ListedIndex>(tags.length);
  const missing: number[] = [];
  for (let i = 0; i < tags.length; i++) {
    const t = tags[i]!;
    const known = listedTagDescriptor(deps, repository, t.tag, caller);
    const parsed = known && cachedParse(deps, PROVIDER_INDEX, known.digest);
    if (!parsed) missing.push(i);
    else out[i] = 'value' in parsed ? { ...t, index: parsed.value } : { ...t, error: parsed.invalid.message };
  }
  await mapLimit(missing, LISTING_CONCURRENCY, async (i) => {
    const t = tags[i]!;
    try {
      const { index } = await readIndexAt(deps, repository, t.tag, listedTagDescriptor(deps, repository, t.tag, caller), caller);
      out[i] = { ...t, index };
    } catch (err) {
      if (isOciError(err, 'NOT_FOUND')) out[i] = { ...t, error: 'tag disappeared while listing', vanished: true };
      else if (isLayoutError(err)) out[i] = { ...t, error: err.message };
      else throw err;
    }
  });
  return out;
}

/** The zip layer of one platform (per-platform manifest, cached by digest). */
export async function readPlatformLayer(
  deps: RegistryDeps,
  repository: string,
  entry: ProviderPlatformEntry,
  caller: Caller,
): Promise<ProviderPackageLayer> {
  const ckey = `platform-manifest|${entry.manifest.digest}`;
  const cached = deps.content.get<ProviderPackageLayer>(ckey);
  if (cached) return cached;
  return deps.flight.do(ckey, async () => {
    const { descriptor, bytes } = await deps.store.fetchManifest(repository, entry.manifest.digest, callOpts(caller));
    const layer = parsePlatformManifest(bytes, descriptor.mediaType, { os: entry.os, arch: entry.arch });
    deps.content.set(ckey, layer, bytes.length * 2 + 256);
    return layer;
  });
}

/** Our metadata manifest of a version (cached by digest). */
export async function readMetadata(
  deps: RegistryDeps,
  repository: string,
  metadata: Descriptor,
  caller: Caller,
): Promise<ProviderMetadataLayers> {
  const ckey = `metadata-manifest|${metadata.digest}`;
  const cached = deps.content.get<ProviderMetadataLayers>(ckey);
  if (cached) return cached;
  return deps.flight.do(ckey, async () => {
    const { descriptor, bytes } = await deps.store.fetchManifest(repository, metadata.digest, callOpts(caller));
    const layers = parseMetadataManifest(bytes, descriptor.mediaType);
    deps.content.set(ckey, layers, bytes.length * 2 + 256);
    return layers;
  });
}

/** A small blob's bytes, verified by digest and cached (SHA256SUMS, signature, key). */
export async function readSmallBlob(deps: RegistryDeps, repository: string, desc: Descriptor, caller: Caller): Promise<Buffer> {
  const ckey = `blob|${desc.digest}`;
  const cached = deps.content.get<Buffer>(ckey);
  if (cached) return cached;
  if (desc.size > MAX_SMALL_BLOB) throw new OciError('TOO_LARGE', `blob ${desc.digest} is ${desc.size} bytes, over the ${MAX_SMALL_BLOB}-byte metadata limit`);
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
export function invalidateRepository(deps: RegistryDeps, repository: string): void {
  deps.tags.deleteRepository(repository);
  deps.tagDigests.deleteRepository(repository);
  deps.epochs.bump(repository);
}
