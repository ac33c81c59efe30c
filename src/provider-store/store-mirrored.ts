// Writes a mirrored provider version into OpenTofu's OCI layout platform by platform (layout/names.ts
// draws it): the mirror (src/mirror/) fetches one platform at a time from an upstream registry, pushes its
// zip as a blob, then calls storeMirroredVersion to list it in the version's image index
// (https://github.com/opencontainers/image-spec/blob/main/image-index.md) under the version tag.
//
//  - No tag yet: push the platform manifests (and, for a signed release, the SHA256SUMS, signature and key
//    blobs and our metadata manifest, as pushRelease does), then the index under the tag LAST.
//  - Tag present: read its index FRESH from the store (HEAD the tag, GET the manifest by digest; never the
//    read cache), keep every entry as it is, add the platforms it lacks (and our metadata entry when it has
//    none and the release is signed), push the new index under the same tag only when something was
//    added. A platform already there with another zip, or a metadata entry with another SHA256SUMS, is a
//    CONFLICT and nothing changes. Every platform of a version with metadata must be listed in its
//    SHA256SUMS (the signed one given, or the stored one), or providers.v1 would serve a package that fails
//    the CLI's checksum check: VALIDATION_FAILED for a new platform, CONFLICT for a stored one.
//  - The index is built by layout's buildProviderIndex, with the rules of buildProviderRelease (platforms
//    sorted by (os, arch), metadata last): a version written at once and one written platform by platform
//    end with the same index digest.
//
// Concurrency. In this process, writes to one (repository, tag) run one at a time under a KeyedLock
// (key: mirroredVersionLockKey; taken here, so callers must not hold that same key: the lock is not
// reentrant). Across replicas there is no lock: OCI has no conditional tag update (distribution-spec
// "Pushing Manifests" just replaces the tag). Two guards make concurrent writers converge:
//  1. right before pushing, the tag is resolved again; if it moved since it was read, the index is read
//     and merged again (compare-before-push);
//  2. after pushing, the tag is resolved again; if it names another index (a replica pushed after us,
//     from a read that did not have our platforms), the index is read, merged and pushed again
//     (verify-after-push).
// Up to MIRROR_WRITE_ATTEMPTS rounds, then CONFLICT (retry later). So two replicas adding different
// platforms at once both end up in the index. What remains: a replica whose guard-1 check comes before
// our push lands and whose own push lands after our guard-2 check can still drop our entry (its check
// and push are one round trip apart); the zip blob stays, and the next pull-through request for that
// platform lists it again. Deleting the
// version while a mirror write runs may re-create its tag.
import { AppError } from '../core/app-error.js';
import { callOpts, type Caller } from '../core/caller.js';
import type { KeyedLock } from '../core/keyed-lock.js';
import { mapLimit } from '../core/map-limit.js';
import { storeError } from '../core/store-errors.js';
import { isLayoutError } from '../layout/errors.js';
import { versionToTag } from '../layout/names.js';
import { readProviderIndexEntries } from '../layout/provider-index.js';
import { isOciError } from '../oci/errors.js';
import { sha256Digest } from '../oci/store-support.js';
import {
  EMPTY_CONFIG_BYTES,
  EMPTY_CONFIG_DIGEST,
  MEDIA_TYPE_IMAGE_INDEX,
  MEDIA_TYPE_IMAGE_MANIFEST,
  type Descriptor,
} from '../oci/types.js';
import type { ReadContext } from '../read-cache/read-context.js';
import { invalidateRepository } from '../read-cache/reader.js';
import { checkInput, type CurrentIndex, keyOf, type MirroredVersionInput, type Plan, planWrite } from './mirrored-plan.js';

export type { MirroredPlatform, MirroredSignature, MirroredVersionInput } from './mirrored-plan.js';

/** Read-merge-push rounds before giving up when other writers keep moving the tag. */
export const MIRROR_WRITE_ATTEMPTS = 3;

/** What storeMirroredVersion needs: the read context and the in-process write locks. */
export interface StoreMirroredDeps extends ReadContext {
  locks: KeyedLock;
}

export interface StoredMirroredVersion {
  /** Digest of the version's index as it is now. */
  digest: string;
  /** `<os>_<arch>` of the platforms this call added, sorted. */
  added: string[];
  /** `<os>_<arch>` of the given platforms that were stored already (same zip), sorted. */
  existing: string[];
}

/** The in-process lock key of one version's index (do not hold it around storeMirroredVersion). */
export function mirroredVersionLockKey(repository: string, tag: string): string {
  return `provider-index|${repository}|${tag}`;
}

/**
 * Adds `input.platforms` (and, when signed, our metadata) to the version's index, creating it when the
 * tag does not exist. Idempotent: a platform stored with the same zip is reported in `existing`.
 * Throws AppError VALIDATION_FAILED (bad input, a zip missing from SHA256SUMS), CONFLICT (another zip or
 * SHA256SUMS stored for this version) or a storage error (storeError).
 */
export async function storeMirroredVersion(
  deps: StoreMirroredDeps,
  input: MirroredVersionInput,
  caller: Caller,
): Promise<StoredMirroredVersion> {
  const signedSums = checkInput(input);
  const tag = versionToTag(input.version);
  return deps.locks.run(mirroredVersionLockKey(input.repository, tag), async () => {
    try {
      return await write(deps, input, signedSums, tag, caller);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw storeError(err, deps);
    }
  });
}

async function write(
  deps: StoreMirroredDeps,
  input: MirroredVersionInput,
  signedSums: Map<string, string> | undefined,
  tag: string,
  caller: Caller,
): Promise<StoredMirroredVersion> {
  const { store } = deps;
  const { repository } = input;
  const opts = callOpts(caller);
  const addedByUs = new Set<string>();
  const result = (digest: string): StoredMirroredVersion => ({
    digest,
    added: [...addedByUs].sort(),
    existing: input.platforms
      .map(keyOf)
      .filter((k) => !addedByUs.has(k))
      .sort(),
  });
  for (let attempt = 1; attempt <= MIRROR_WRITE_ATTEMPTS; attempt++) {
    const current = await readCurrent(deps, repository, tag, caller);
    const plan = await planWrite(deps, input, signedSums, current, caller);
    if (plan.index === undefined) return result((current as CurrentIndex).descriptor.digest);

    await pushChildren(deps, input, plan, caller);
    // Guard 1: the tag must still be what the plan was made from.
    const before = await resolveTag(deps, repository, tag, caller);
    if (before?.digest !== current?.descriptor.digest) {
      deps.logger.info({ repository, tag, attempt }, 'provider index changed while adding mirrored platforms; merging again');
      continue;
    }
    await store.pushManifest(repository, tag, plan.index.bytes, MEDIA_TYPE_IMAGE_INDEX, opts);
    invalidateRepository(deps, repository);
    for (const k of plan.added) addedByUs.add(k);
    // Guard 2: another replica may have pushed over ours from an older read.
    const after = await resolveTag(deps, repository, tag, caller);
    if (after?.digest === plan.index.descriptor.digest) return result(plan.index.descriptor.digest);
    deps.logger.warn(
      { repository, tag, attempt, ours: plan.index.descriptor.digest, theirs: after?.digest ?? null },
      'provider index was replaced by another writer after ours; merging again',
    );
  }
  throw new AppError(
    'CONFLICT',
    `the index of ${repository}:${tag} kept changing while mirrored platforms were added ` + `(${MIRROR_WRITE_ATTEMPTS} attempts); retry`,
  );
}

/** HEAD of the tag, null when absent. */
async function resolveTag(deps: ReadContext, repository: string, tag: string, caller: Caller): Promise<Descriptor | null> {
  try {
    return await deps.store.resolveManifest(repository, tag, callOpts(caller));
  } catch (err) {
    if (isOciError(err, 'NOT_FOUND')) return null;
    throw err;
  }
}

/** The tagged index, read from the store (tag -> digest, then the manifest by that digest). */
async function readCurrent(deps: ReadContext, repository: string, tag: string, caller: Caller): Promise<CurrentIndex | null> {
  const resolved = await resolveTag(deps, repository, tag, caller);
  if (resolved === null) return null;
  const { descriptor, bytes } = await deps.store.fetchManifest(repository, resolved.digest, callOpts(caller));
  try {
    return { descriptor, entries: readProviderIndexEntries(bytes, descriptor.mediaType) };
  } catch (err) {
    if (!isLayoutError(err)) throw err;
    throw new AppError(
      'CONFLICT',
      `${repository}:${tag} holds something that is not a provider index that can be extended: ${err.message}`,
      {
        cause: err,
      },
    );
  }
}

/** Pushes what the new index refers to: the empty config, new platform manifests, metadata blobs and manifest. */
async function pushChildren(deps: ReadContext, input: MirroredVersionInput, plan: Plan, caller: Caller): Promise<void> {
  const { store } = deps;
  const { repository } = input;
  const opts = callOpts(caller);
  // The zips must be there already: an index must never name a blob the repository lacks.
  await mapLimit(input.platforms, 8, async (p) => {
    if (!plan.added.includes(keyOf(p))) return;
    const stat = await store.statBlob(repository, p.zip.digest, opts);
    if (stat === null) throw new AppError('VALIDATION_FAILED', `the zip of ${keyOf(p)} (${p.zip.digest}) is not a blob of ${repository}`);
    if (stat.size !== p.zip.size) {
      throw new AppError('VALIDATION_FAILED', `the zip of ${keyOf(p)} is ${stat.size} bytes in ${repository}, not ${p.zip.size}`);
    }
  });
  const blobs = [EMPTY_CONFIG_BYTES, ...(plan.metadata?.blobs ?? [])];
  await mapLimit(blobs, 8, (bytes) =>
    store.pushBlob(repository, bytes, {
      ...opts,
      digest: bytes === EMPTY_CONFIG_BYTES ? EMPTY_CONFIG_DIGEST : sha256Digest(bytes),
      size: bytes.length,
    }),
  );
  const manifests = [...plan.newPlatforms, ...(plan.metadata ? [plan.metadata.manifest] : [])];
  await mapLimit(manifests, 8, (m) => store.pushManifest(repository, m.descriptor.digest, m.bytes, MEDIA_TYPE_IMAGE_MANIFEST, opts));
}
