// What a mirrored write adds to a provider version (store-mirrored.ts does the writing): the input and its
// checks, and the plan of one read-merge-push round: which platform manifests and which metadata to push,
// and the merged index. The index keeps every existing entry byte for byte; a platform already there with
// another zip, or metadata with another SHA256SUMS, is a CONFLICT; every platform of a signed version must
// be listed in its SHA256SUMS (VALIDATION_FAILED otherwise).
import { AppError } from '../core/app-error.js';
import type { Caller } from '../core/caller.js';
import { mapLimit } from '../core/map-limit.js';
import { isLayoutError } from '../layout/errors.js';
import { ANNOTATION_TITLE } from '../layout/media-types.js';
import { versionToTag } from '../layout/names.js';
import {
  buildMetadataManifest,
  buildPlatformManifest,
  buildProviderIndex,
  checkKeyId,
  checkProviderVersionInput,
  providerIndexAnnotations,
} from '../layout/provider-release.js';
import type { BuiltManifest, BuiltPlatformManifest, ProviderIndexEntries } from '../layout/types.js';
import { sha256Digest } from '../oci/store-support.js';
import type { Descriptor } from '../oci/types.js';
import type { ReadContext } from '../read-cache/read-context.js';
import { readSmallBlob } from '../read-cache/reader.js';
import { parseShasums } from '../verify/shasums.js';
import { readMetadata, readPlatformLayer } from './provider-reader.js';

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

export const keyOf = (p: { os: string; arch: string }): string => `${p.os}_${p.arch}`;
export const hexOf = (d: Descriptor): string => d.digest.slice('sha256:'.length);

/** The version's index as the store has it now, or null when the tag does not exist. */
export interface CurrentIndex {
  descriptor: Descriptor;
  entries: ProviderIndexEntries;
}

/** What one round decided to write; `index` undefined when there is nothing to add. */
export interface Plan {
  index?: BuiltManifest;
  newPlatforms: BuiltPlatformManifest[];
  added: string[];
  metadata?: { manifest: BuiltManifest; blobs: Buffer[] };
}

/** Checks the input; returns the parsed signed SHA256SUMS (filename -> hex), if signed. */
export function checkInput(input: MirroredVersionInput): Map<string, string> | undefined {
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

/** Decides what to add to `current` (null: no tag yet); throws CONFLICT or VALIDATION_FAILED. */
export async function planWrite(
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
