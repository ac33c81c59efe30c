// Stores a verified release in OpenTofu's OCI layout (layout/provider-index.ts draws it): the zips are
// already blobs; this pushes the SHA256SUMS, the binary signature, the armored public key and the
// optional registry manifest as blobs, then the manifests built by buildProviderRelease children first
// (platform manifests, metadata manifest) by digest, and the index under the version tag LAST: the tag
// is what makes the version visible on providers.v1, the mirror and tofu's oci_mirror at once. If
// anything fails before the tag, nothing is visible (untagged manifests and blobs are harmless).
//
// Idempotent last step (docs/fault-tolerance.md#reconciling): `beforeTag` runs with the index digest right
// before the tag push (publishing records it, so a tag found later can be matched to its record), and a
// tag that already points at the same index is success, not a conflict: a retry after a fault between
// the tag push and the caller's own bookkeeping finishes instead of failing.
//
// Concurrency: callers hold the version's in-process lock and, across replicas, a claim
// (core/store-claim.ts); the tag is still checked right before it is pushed, and another index under it
// is a 409.
import { buildProviderRelease } from '../layout/provider-release.js';
import { versionToTag } from '../layout/names.js';
import { AppError } from '../core/app-error.js';
import { isOciError } from '../oci/errors.js';
import { EMPTY_CONFIG_BYTES, EMPTY_CONFIG_DIGEST, MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_MANIFEST } from '../oci/types.js';
import { sha256Digest } from '../oci/store-support.js';
import { callOpts, type Caller } from '../core/caller.js';
import { mapLimit } from '../core/map-limit.js';
import { invalidateRepository } from '../read-cache/reader.js';
import type { ReadContext } from '../read-cache/read-context.js';
import type { Descriptor } from '../oci/types.js';
import { storeError } from '../core/store-errors.js';

export interface PushInput {
  repository: string;
  type: string;
  version: string;
  keyId: string;
  armoredKey: string;
  release: ReleaseToStore;
  /** Called with the index digest after everything but the tag is stored, before the tag push. */
  beforeTag?: (indexDigest: string) => Promise<void>;
}

/** A checked release whose zips are already blobs in `repository` (publishing and mirroring build one). */
export interface ReleaseToStore {
  zips: ReadonlyArray<{ os: string; arch: string; filename: string; blob: Descriptor; h1: string }>;
  shasums: { filename: string; bytes: Buffer };
  /** Binary detached signature over the exact SHA256SUMS bytes. */
  signature: Buffer;
  /** The registry manifest (`terraform-registry-manifest.json`), if any. */
  manifest: { filename: string; bytes: Buffer } | null;
  protocols: string[];
}

/** Pushes the release and tags it (a tag already on the same index is kept); 409 when the tag holds another index. Returns the index digest. */
export async function pushRelease(deps: ReadContext, input: PushInput, caller: Caller): Promise<string> {
  const { store } = deps;
  const { repository, release } = input;
  const opts = callOpts(caller);
  const small = (bytes: Buffer) => store.pushBlob(repository, bytes, { ...opts, digest: sha256Digest(bytes), size: bytes.length });
  try {
    const key = Buffer.from(input.armoredKey, 'utf8');
    const [, shasums, signature, publicKey, manifest] = await Promise.all([
      store.pushBlob(repository, EMPTY_CONFIG_BYTES, { ...opts, digest: EMPTY_CONFIG_DIGEST, size: 2 }),
      small(release.shasums.bytes),
      small(release.signature),
      small(key),
      release.manifest ? small(release.manifest.bytes) : Promise.resolve(null),
    ]);
    const built = buildProviderRelease({
      type: input.type,
      version: input.version,
      protocols: release.protocols,
      keyId: input.keyId,
      platforms: release.zips.map((z) => ({ os: z.os, arch: z.arch, filename: z.filename, zip: z.blob, h1: z.h1 })),
      shasums: { filename: release.shasums.filename, blob: shasums },
      signature,
      publicKey,
      ...(manifest ? { registryManifest: manifest } : {}),
    });
    await mapLimit([...built.platformManifests, built.metadataManifest], 8, (m) =>
      store.pushManifest(repository, m.descriptor.digest, m.bytes, MEDIA_TYPE_IMAGE_MANIFEST, opts),
    );
    const tag = versionToTag(input.version);
    const digest = built.index.descriptor.digest;
    await input.beforeTag?.(digest);
    if (!(await tagHolds(deps, repository, tag, digest, caller))) {
      await store.pushManifest(repository, tag, built.index.bytes, MEDIA_TYPE_IMAGE_INDEX, opts);
    }
    invalidateRepository(deps, repository);
    return digest;
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw storeError(err, deps);
  }
}

/** False when `tag` is absent, true when it points at `digest` already; 409 when it points elsewhere. */
async function tagHolds(deps: ReadContext, repository: string, tag: string, digest: string, caller: Caller): Promise<boolean> {
  let found: string;
  try {
    found = (await deps.store.resolveManifest(repository, tag, callOpts(caller))).digest;
  } catch (err) {
    if (isOciError(err, 'NOT_FOUND')) return false;
    throw err;
  }
  if (found === digest) return true;
  throw new AppError('CONFLICT', `version ${tag} is published in ${repository} with other files (index ${found}); versions are immutable`);
}
