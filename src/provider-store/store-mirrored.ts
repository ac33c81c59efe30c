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
import { ANNOTATION_TITLE } from '../layout/media-types.js';
import { versionToTag } from '../layout/names.js';
import { readProviderIndexEntries } from '../layout/provider-index.js';
import {
  buildMetadataManifest,
  buildPlatformManifest,
  buildProviderIndex,
  checkKeyId,
  checkProviderVersionInput,
  providerIndexAnnotations,
} from '../layout/provider-release.js';
import type { BuiltManifest, BuiltPlatformManifest, ProviderIndexEntries } from '../layout/types.js';
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
import { invalidateRepository, readSmallBlob } from '../read-cache/reader.js';
import { parseShasums } from '../verify/shasums.js';
import { readMetadata, readPlatformLayer } from './provider-reader.js';

/** Read-merge-push rounds before giving up when other writers keep moving the tag. */
export const MIRROR_WRITE_ATTEMPTS = 3;

/** One platform's package, its zip already pushed as a blob in the version's repository. */
export interface MirroredPlatform {
  os: string;
  arch: string;
  filename: string;
  zip: Descriptor;
  h1: string;
}

/** The signed SHA256SUMS of a release, its binary detached signature and the key that verified it. */
export interface MirroredSignature {
  shasums: { filename: string; bytes: Buffer };
  signature: Buffer;
  armoredKey: string;
  /** 16 upper-case hex digits. */
  keyId: string;
}

export interface MirroredVersionInput {
  repository: string;
  type: string;
  version: string;
  protocols: string[];
  platforms: MirroredPlatform[];
  /** Absent: a mirror-only version (no providers.v1), like ORAS-pushed ones. */
  signed?: MirroredSignature;
  /** Where it came from (e.g. "registry.terraform.io"): an index annotation readers ignore. */
  source?: string;
}

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

const keyOf = (p: { os: string; arch: string }): string => `${p.os}_${p.arch}`;
const hexOf = (d: Descriptor): string => d.digest.slice('sha256:'.length);

/** The version's index as the store has it now, or null when the tag does not exist. */
interface CurrentIndex {
  descriptor: Descriptor;
  entries: ProviderIndexEntries;
}

/** What one round decided to write; `index` undefined when there is nothing to add. */
interface Plan {
  index?: BuiltManifest;
  newPlatforms: BuiltPlatformManifest[];
  added: string[];
  metadata?: { manifest: BuiltManifest; blobs: Buffer[] };
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

/** Checks the input; returns the parsed signed SHA256SUMS (filename -> hex), if signed. */
function checkInput(input: MirroredVersionInput): Map<string, string> | undefined {
  try {
    checkProviderVersionInput(input);
    if (input.signed) checkKeyId(input.signed.keyId);
  } catch (err) {
    if (isLayoutError(err)) throw new AppError('VALIDATION_FAILED', err.message, { cause: err });
    throw err;
  }
  const signed = input.signed;
  if (!signed) return undefined;
  const name = signed.shasums.filename;
  if (name === '' || name.includes('/')) throw new AppError('VALIDATION_FAILED', 'the SHA256SUMS filename must be a plain file name');
  try {
    return parseShasums(signed.shasums.bytes);
  } catch (err) {
    throw new AppError('VALIDATION_FAILED', `${name}: ${(err as Error).message}`, { cause: err });
  }
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

/** Decides what to add to `current` (null: no tag yet); throws CONFLICT or VALIDATION_FAILED. */
async function planWrite(
  deps: ReadContext,
  input: MirroredVersionInput,
  signedSums: Map<string, string> | undefined,
  current: CurrentIndex | null,
  caller: Caller,
): Promise<Plan> {
  const { repository, signed } = input;
  const where = `${repository}:${versionToTag(input.version)}`;
  const entries: ProviderIndexEntries = current?.entries ?? { platforms: [], metadata: [], others: [], annotations: {} };

  // The SHA256SUMS every platform of this version must be listed in: the signed one given or the stored one.
  let sums = signedSums;
  let addMetadata = false;
  if (entries.metadata.length > 1) {
    if (signed) throw new AppError('CONFLICT', `${where} has ${entries.metadata.length} metadata entries; refusing to add another`);
  } else if (entries.metadata.length === 1) {
    const stored = await readMetadata(deps, repository, entries.metadata[0] as Descriptor, caller);
    if (signed) {
      const given = sha256Digest(signed.shasums.bytes);
      if (stored.shasums.digest !== given) {
        throw new AppError(
          'CONFLICT',
          `${where} is stored with another SHA256SUMS (${stored.shasums.digest}) than the mirrored release's (${given})`,
        );
      }
    } else {
      const bytes = await readSmallBlob(deps, repository, stored.shasums, caller);
      try {
        sums = parseShasums(bytes);
      } catch (err) {
        throw new AppError('UPSTREAM_ERROR', `the SHA256SUMS stored for ${where} is not usable: ${(err as Error).message}`, { cause: err });
      }
    }
  } else if (signed) addMetadata = true;

  // Platforms: new ones, and the given ones already there (with the same zip, or a conflict).
  const stored = new Map<string, Descriptor[]>();
  for (const d of entries.platforms) {
    const k = keyOf({ os: d.platform?.os ?? '', arch: d.platform?.architecture ?? '' });
    stored.set(k, [...(stored.get(k) ?? []), d]);
  }
  const newPlatforms: BuiltPlatformManifest[] = [];
  const added: string[] = [];
  for (const p of input.platforms) {
    const k = keyOf(p);
    const built = buildPlatformManifest(p);
    const olds = stored.get(k);
    if (olds === undefined) {
      if (sums) checkListed(sums, p.filename, hexOf(p.zip), (msg) => new AppError('VALIDATION_FAILED', `${where}: ${msg}`));
      newPlatforms.push(built);
      added.push(k);
      continue;
    }
    for (const old of olds) {
      if (old.digest === built.descriptor.digest) continue; // the very manifest we would write: same zip
      const layer = await readPlatformLayer(deps, repository, { os: p.os, arch: p.arch, manifest: old }, caller);
      if (layer.layer.digest !== p.zip.digest) {
        throw new AppError(
          'CONFLICT',
          `${where}: platform ${k} is stored with zip ${layer.layer.digest}, the mirrored one is ${p.zip.digest}`,
        );
      }
    }
  }

  // Adding a signed SHA256SUMS to a version stored without one: its stored platforms must be listed too.
  if (addMetadata && sums) {
    const listed = sums;
    await mapLimit(entries.platforms, 8, async (old) => {
      const os = old.platform?.os ?? '';
      const arch = old.platform?.architecture ?? '';
      const layer = await readPlatformLayer(deps, repository, { os, arch, manifest: old }, caller);
      const filename = old.annotations?.[ANNOTATION_TITLE] ?? layer.filename;
      checkListed(
        listed,
        filename,
        layer.shasumHex,
        (msg) => new AppError('CONFLICT', `${where}: stored platform ${os}_${arch} does not match the mirrored release: ${msg}`),
      );
    });
  }

  if (current === null && newPlatforms.length === 0) {
    throw new AppError('VALIDATION_FAILED', `${where}: a new provider version needs at least one platform`);
  }
  if (newPlatforms.length === 0 && !addMetadata) return { newPlatforms, added };
  if (entries.platforms.length + newPlatforms.length === 0) {
    throw new AppError('VALIDATION_FAILED', `${where}: a provider version needs at least one platform`);
  }

  let metadata: Plan['metadata'];
  let metadataEntry = entries.metadata.length === 1 ? entries.metadata[0] : undefined;
  if (addMetadata && signed) {
    const key = Buffer.from(signed.armoredKey, 'utf8');
    const blob = (bytes: Buffer): Descriptor => ({
      mediaType: 'application/octet-stream',
      digest: sha256Digest(bytes),
      size: bytes.length,
    });
    const manifest = buildMetadataManifest({
      type: input.type,
      version: input.version,
      keyId: signed.keyId,
      shasums: { filename: signed.shasums.filename, blob: blob(signed.shasums.bytes) },
      signature: blob(signed.signature),
      publicKey: blob(key),
    });
    metadata = { manifest, blobs: [signed.shasums.bytes, signed.signature, key] };
    metadataEntry = manifest.descriptor;
  }
  const hasMetadata = metadataEntry !== undefined || entries.metadata.length > 1;
  const annotations = {
    ...providerIndexAnnotations({
      version: input.version,
      protocols: input.protocols,
      ...(signed && hasMetadata ? { keyId: signed.keyId } : {}),
      ...(input.source !== undefined ? { mirroredFrom: input.source } : {}),
    }),
    // What the stored index records wins (first writer), so that later platforms do not rewrite it.
    ...entries.annotations,
  };
  const index = buildProviderIndex({
    platforms: [...entries.platforms, ...newPlatforms.map((b) => b.entry)],
    // Several metadata entries (not ours to fix) stay where readers see them: after the platforms.
    others: entries.metadata.length > 1 ? [...entries.others, ...entries.metadata] : entries.others,
    ...(metadataEntry && entries.metadata.length <= 1 ? { metadata: metadataEntry } : {}),
    annotations,
  });
  return { index, newPlatforms, added, ...(metadata ? { metadata } : {}) };
}

/** Throws `fail(msg)` unless `filename` (or, unnamed, any file) is listed in `sums` with `hex`. */
function checkListed(sums: Map<string, string>, filename: string | undefined, hex: string, fail: (msg: string) => AppError): void {
  if (filename === undefined) {
    if (![...sums.values()].includes(hex)) throw fail(`its zip (sha256 ${hex}) is not listed in SHA256SUMS`);
    return;
  }
  const listed = sums.get(filename);
  if (listed === undefined) throw fail(`${filename} is not listed in SHA256SUMS`);
  if (listed !== hex) throw fail(`${filename} is listed in SHA256SUMS with sha256 ${listed}, but the zip's is ${hex}`);
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
