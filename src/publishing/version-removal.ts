// Removes a provider version everywhere (DELETE /provider-versions/:id, and providers' ?cascade=true):
// the index manifest by digest (so its semver tag disappears from every protocol at once: providers.v1,
// the network mirror and tofu's oci_mirror all list that tag), the draft manifest, then the record.
// Child manifests and blobs stay until the registry's garbage collection (unreferenced, harmless).
import { providerRepository, versionToTag } from '../layout/names.js';
import { isOciError } from '../oci/errors.js';
import { callOpts, type Caller } from '../core/caller.js';
import { invalidateRepository } from '../read-cache/reader.js';
import type { PublishContext } from './context.js';
import { draftTag } from '../layout/records.js';
import type { Stored } from '../core/record-store.js';
import { storeError } from '../core/store-errors.js';
import type { VersionRecord } from './types.js';

/** The OCI repository holding provider `namespace/type` (the read path's name, with our public hostname). */
export function repositoryOf(ctx: PublishContext, v: { namespace: string; type: string }): string {
  return providerRepository(ctx.deps.prefix, ctx.deps.registryHostname, v.namespace, v.type);
}

/** DELETEs the manifest `reference` resolves to; absent is fine. */
async function deleteTagged(ctx: PublishContext, repository: string, reference: string, caller: Caller): Promise<void> {
  const { store } = ctx.deps;
  try {
    const d = await store.resolveManifest(repository, reference, callOpts(caller));
    await store.deleteManifest(repository, d.digest, { ...callOpts(caller), tags: [reference] });
  } catch (err) {
    if (!isOciError(err, 'NOT_FOUND')) throw storeError(err, ctx.deps);
  }
}

/** Deletes version `stored`: semver tag first (visibility), then the draft, then the record. */
export async function removeVersion(ctx: PublishContext, stored: Stored<VersionRecord>, caller: Caller): Promise<void> {
  const v = stored.data;
  const repository = repositoryOf(ctx, v);
  await deleteTagged(ctx, repository, versionToTag(v.version), caller);
  invalidateRepository(ctx.deps, repository);
  await deleteTagged(ctx, repository, draftTag(v.version), caller);
  await ctx.records.remove(stored, caller);
}
