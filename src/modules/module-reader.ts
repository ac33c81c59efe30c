// Reads module versions out of the store with the read path's caches in front (same scheme as
// registry/provider-reader.ts): tag listings per principal (short TTL, `listVersionTags`), tag -> manifest
// digest per principal, and parsed manifests by digest (immutable, shared). A warm listing costs at most
// one tags/list per tags TTL; a cold one adds one manifest GET per version, in parallel with a bound.
import { isLayoutError, type LayoutError } from '../layout/errors.js';
import { parseModuleManifest } from '../layout/module-manifest.js';
import type { ModulePackage } from '../layout/types.js';
import { isOciError } from '../oci/errors.js';
import type { Descriptor } from '../oci/types.js';
import { callOpts, mapLimit, type Caller, type RegistryDeps } from '../registry/context.js';
import type { VersionTag } from '../registry/provider-reader.js';

/** Upstream manifest GETs in flight at once for one cold listing. */
const LISTING_CONCURRENCY = 16;

export interface ReadModule {
  descriptor: Descriptor;
  pkg: ModulePackage;
}

/**
 * A module version's manifest, resolved by tag (cached per principal) and parsed with OpenTofu's rules
 * (cached by digest; protocols.md §2). LayoutError when the tag holds something else than a module package.
 */
export async function readModuleVersion(deps: RegistryDeps, repository: string, tag: string, caller: Caller): Promise<ReadModule> {
  const key = `${repository}|${tag}|${caller.principal}`;
  const known = deps.tagDigests.get(key);
  if (known) {
    const cached = deps.content.get<Parsed>(`module-manifest|${known.digest}`);
    if (cached) return unwrap(known, cached);
    try {
      return await fetchModule(deps, repository, known.digest, caller, key);
    } catch (err) {
      // The tag may have moved and the old manifest been deleted: resolve the tag afresh once.
      if (!isOciError(err, 'NOT_FOUND')) throw err;
      deps.tagDigests.delete(key);
    }
  }
  return fetchModule(deps, repository, tag, caller, key);
}

/** A parsed manifest, or why it is not a module package: both cached by digest (manifests are immutable). */
type Parsed = { pkg: ModulePackage } | { invalid: LayoutError };

function unwrap(descriptor: Descriptor, parsed: Parsed): ReadModule {
  if ('invalid' in parsed) throw parsed.invalid;
  return { descriptor, pkg: parsed.pkg };
}

async function fetchModule(deps: RegistryDeps, repository: string, reference: string, caller: Caller, tagKey: string): Promise<ReadModule> {
  const { descriptor, parsed } = await deps.flight.do(`module|${tagKey}|${reference}`, async () => {
    const { descriptor, bytes } = await deps.store.fetchManifest(repository, reference, callOpts(caller));
    const ckey = `module-manifest|${descriptor.digest}`;
    let parsed = deps.content.get<Parsed>(ckey);
    if (!parsed) {
      try {
        parsed = { pkg: parseModuleManifest(bytes, descriptor.mediaType) };
      } catch (err) {
        if (!isLayoutError(err)) throw err;
        parsed = { invalid: err };
      }
      deps.content.set(ckey, parsed, bytes.length * 2 + 256);
    }
    deps.tagDigests.set(tagKey, descriptor);
    return { descriptor, parsed };
  });
  return unwrap(descriptor, parsed);
}

/** Many version tags at once (cold listing): tags that vanished or hold no module package carry `error`. */
export async function readModuleVersions(
  deps: RegistryDeps,
  repository: string,
  tags: VersionTag[],
  caller: Caller,
): Promise<Array<VersionTag & { read?: ReadModule; error?: string }>> {
  return mapLimit(tags, LISTING_CONCURRENCY, async (t) => {
    try {
      return { ...t, read: await readModuleVersion(deps, repository, t.tag, caller) };
    } catch (err) {
      if (isOciError(err, 'NOT_FOUND')) return { ...t, error: 'tag disappeared while listing' };
      if (isLayoutError(err)) return { ...t, error: err.message };
      throw err;
    }
  });
}
