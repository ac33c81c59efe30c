// Reads module versions out of the store with the read path's caches in front (same scheme as
// registry/provider-reader.ts): the caller's tag listing (per principal, tags TTL), tag -> manifest digest
// shared by every caller but used only for tags in the caller's own listing (revalidated in the
// background when old), and parsed manifests by digest (immutable, shared). A warm listing costs at most
// one tags/list per tags TTL; a cold one adds one manifest GET per version not known yet, in parallel.
import { isLayoutError } from '../layout/errors.js';
import { parseModuleManifest } from '../layout/module-manifest.js';
import type { ModulePackage } from '../layout/types.js';
import { isOciError } from '../oci/errors.js';
import type { Descriptor } from '../oci/types.js';
import type { Caller } from '../core/caller.js';
import type { ReadContext } from '../read-cache/read-context.js';
import { mapLimit } from '../core/map-limit.js';
import { readTaggedManifest, type ManifestKind, type TagHooks } from '../read-cache/tagged-manifests.js';
import { forgetTag, gatedTagDescriptor, listedTagDescriptor, rememberTag } from '../read-cache/reader.js';
import type { VersionTag } from '../read-cache/tag-lists.js';

/** Upstream manifest GETs in flight at once for one cold listing. */
const LISTING_CONCURRENCY = 16;

export interface ReadModule {
  descriptor: Descriptor;
  pkg: ModulePackage;
}

/**
 * A module version's manifest, resolved by tag (gated shared cache) and parsed with OpenTofu's rules
 * (cached by digest; docs/design/protocols.md §2). LayoutError when the tag holds something else than a module package.
 */
export async function readModuleVersion(deps: ReadContext, repository: string, tag: string, caller: Caller): Promise<ReadModule> {
  return readModuleAt(deps, repository, tag, await gatedTagDescriptor(deps, repository, tag, caller), caller);
}

/** Module packages as a manifest kind (tagged-manifests.ts): parsed with OpenTofu's rules, cached by digest. */
const MODULE_PACKAGE: ManifestKind<ModulePackage> = { cacheKey: 'module-manifest', parse: parseModuleManifest };
const TAG_HOOKS: TagHooks = { recordTag: rememberTag, forgetTag };

async function readModuleAt(
  deps: ReadContext,
  repository: string,
  tag: string,
  known: Descriptor | undefined,
  caller: Caller,
): Promise<ReadModule> {
  const { descriptor, value } = await readTaggedManifest(deps, TAG_HOOKS, MODULE_PACKAGE, repository, tag, known, caller);
  return { descriptor, pkg: value };
}

/**
 * Many version tags at once (a listing). `tags` must come from the caller's own listing (the gate of the
 * shared tag cache). Tags that vanished or hold no module package carry `error` (`vanished` for the former).
 */
export async function readModuleVersions(
  deps: ReadContext,
  repository: string,
  tags: readonly VersionTag[],
  caller: Caller,
): Promise<Array<VersionTag & { read?: ReadModule; error?: string; vanished?: boolean }>> {
  return mapLimit(tags, LISTING_CONCURRENCY, async (t) => {
    try {
      return { ...t, read: await readModuleAt(deps, repository, t.tag, listedTagDescriptor(deps, repository, t.tag, caller), caller) };
    } catch (err) {
      if (isOciError(err, 'NOT_FOUND')) return { ...t, error: 'tag disappeared while listing', vanished: true };
      if (isLayoutError(err)) return { ...t, error: err.message };
      throw err;
    }
  });
}
