// Reads provider versions out of the store with the caches in front: tag listings (short TTL, per
// principal), tag -> index digest (per principal), and parsed manifests / small blobs by digest
// (immutable, shared). A warm listing costs at most one tags/list per tags TTL; a cold one costs one
// tags/list plus one manifest GET per version, run in parallel with a bound.
import { createHash } from 'node:crypto';
import { OciError, isOciError } from '../oci/errors.js';
import type { Descriptor } from '../oci/types.js';
import { parseMetadataManifest, parsePlatformManifest, parseProviderIndex } from '../layout/provider-index.js';
import { tagToVersion } from '../layout/names.js';
import { isLayoutError } from '../layout/errors.js';
import type { ProviderIndex, ProviderMetadataLayers, ProviderPackageLayer, ProviderPlatformEntry } from '../layout/types.js';
import { callOpts, mapLimit, type Caller, type RegistryDeps } from './context.js';

/** Upstream manifest GETs in flight at once for one cold listing. */
const LISTING_CONCURRENCY = 16;
/** Largest small blob (SHA256SUMS, signature, key, registry manifest) read into memory. */
export const MAX_SMALL_BLOB = 1024 * 1024;

export interface VersionTag {
  version: string;
  tag: string;
}

/** Version tags of a repository (non-version tags ignored), from cache or one tags/list. */
export async function listVersionTags(deps: RegistryDeps, repository: string, caller: Caller): Promise<VersionTag[]> {
  const key = `${repository}|${caller.principal}`;
  let tags = deps.tags.get(key);
  if (!tags) {
    tags = await deps.flight.do(`tags|${key}`, () => deps.store.listTags(repository, callOpts(caller)));
    deps.tags.set(key, tags);
  }
  const out: VersionTag[] = [];
  for (const tag of tags) {
    const version = tagToVersion(tag);
    if (version !== null) out.push({ version, tag });
  }
  return out;
}

/** A provider version's index, resolved by tag (cached per principal) and parsed (cached by digest). */
export async function readProviderIndex(
  deps: RegistryDeps,
  repository: string,
  tag: string,
  caller: Caller,
): Promise<{ descriptor: Descriptor; index: ProviderIndex }> {
  const key = `${repository}|${tag}|${caller.principal}`;
  const known = deps.tagDigests.get(key);
  if (known) {
    const cached = deps.content.get<ProviderIndex>(`provider-index|${known.digest}`);
    if (cached) return { descriptor: known, index: cached };
    try {
      return await fetchIndex(deps, repository, known.digest, caller, key);
    } catch (err) {
      // The tag may have moved and the old index been deleted: resolve the tag afresh once.
      if (!isOciError(err, 'NOT_FOUND')) throw err;
      deps.tagDigests.delete(key);
    }
  }
  return fetchIndex(deps, repository, tag, caller, key);
}

async function fetchIndex(deps: RegistryDeps, repository: string, reference: string, caller: Caller, tagKey: string) {
  return deps.flight.do(`index|${tagKey}|${reference}`, async () => {
    const { descriptor, bytes } = await deps.store.fetchManifest(repository, reference, callOpts(caller));
    let index = deps.content.get<ProviderIndex>(`provider-index|${descriptor.digest}`);
    if (!index) {
      index = parseProviderIndex(bytes, descriptor.mediaType);
      deps.content.set(`provider-index|${descriptor.digest}`, index, bytes.length * 2 + 256);
    }
    deps.tagDigests.set(tagKey, descriptor);
    return { descriptor, index };
  });
}

/** Indexes of many version tags at once (cold listing), skipping tags that vanished or do not parse. */
export async function readProviderIndexes(
  deps: RegistryDeps,
  repository: string,
  tags: VersionTag[],
  caller: Caller,
): Promise<Array<VersionTag & { index?: ProviderIndex; error?: string }>> {
  return mapLimit(tags, LISTING_CONCURRENCY, async (t) => {
    try {
      const { index } = await readProviderIndex(deps, repository, t.tag, caller);
      return { ...t, index };
    } catch (err) {
      if (isOciError(err, 'NOT_FOUND')) return { ...t, error: 'tag disappeared while listing' };
      if (isLayoutError(err)) return { ...t, error: err.message };
      throw err;
    }
  });
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

/** Forgets what this replica knows of a repository's tags (after its own publish or delete). */
export function invalidateRepository(deps: RegistryDeps, repository: string): void {
  deps.tags.deletePrefix(`${repository}|`);
  deps.tagDigests.deletePrefix(`${repository}|`);
}
