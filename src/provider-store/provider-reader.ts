// Reads provider versions (OpenTofu's provider index, platform manifests, our metadata) out of the store
// through the read cache (src/read-cache/reader.ts: gated tag listings, shared tag -> digest entries,
// parsed manifests and small blobs by digest).
// A warm listing costs at most one tags/list per tags TTL and nothing else on the request path; a cold
// one costs one tags/list plus one manifest GET per version not known yet, run in parallel with a bound.
import { isOciError } from '../oci/errors.js';
import type { Descriptor } from '../oci/types.js';
import { parseMetadataManifest, parsePlatformManifest, parseProviderIndex } from '../layout/provider-index.js';
import { isLayoutError } from '../layout/errors.js';
import type { ProviderIndex, ProviderMetadataLayers, ProviderPackageLayer, ProviderPlatformEntry } from '../layout/types.js';
import { callOpts, type Caller } from '../core/caller.js';
import { mapLimit } from '../core/map-limit.js';
import type { ReadContext } from '../read-cache/read-context.js';
import { forgetTag, gatedTagDescriptor, listedTagDescriptor, rememberTag } from '../read-cache/reader.js';
import type { VersionTag, VersionTagList } from '../read-cache/tag-lists.js';
import { cachedParse, readTaggedManifest, type ManifestKind, type TagHooks } from '../read-cache/tagged-manifests.js';

/** Upstream manifest GETs in flight at once for one cold listing. */
const LISTING_CONCURRENCY = 16;

/** Provider indexes as a manifest kind (tagged-manifests.ts): parsed with OpenTofu's rules, cached by digest. */
const PROVIDER_INDEX: ManifestKind<ProviderIndex> = { cacheKey: 'provider-index', parse: parseProviderIndex };
const TAG_HOOKS: TagHooks = { recordTag: rememberTag, forgetTag };

/** A provider version's index: tag resolved through the gated shared cache, parsed index cached by digest. */
export async function readProviderIndex(
  deps: ReadContext,
  repository: string,
  tag: string,
  caller: Caller,
): Promise<{ descriptor: Descriptor; index: ProviderIndex }> {
  return readIndexAt(deps, repository, tag, await gatedTagDescriptor(deps, repository, tag, caller), caller);
}

async function readIndexAt(deps: ReadContext, repository: string, tag: string, known: Descriptor | undefined, caller: Caller) {
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
export async function readProviderIndexes(
  deps: ReadContext,
  repository: string,
  list: VersionTagList,
  caller: Caller,
): Promise<ListedIndex[]> {
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
  deps: ReadContext,
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
  deps: ReadContext,
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
