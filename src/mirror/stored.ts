// What the store already holds of a mirrored provider, read through the read cache as the mirror's own
// identity: its versions, and per version the platforms stored (zip layer, h1) and the signed SHA256SUMS
// when the version carries our metadata. Stored content answers without the upstream (docs/mirror.md).
import type { Caller } from '../core/caller.js';
import { mapLimit } from '../core/map-limit.js';
import { tagToVersion, versionToTag } from '../layout/names.js';
import type { ProviderMetadataLayers, ProviderPackageLayer } from '../layout/types.js';
import { isOciError } from '../oci/errors.js';
import { readMetadata, readPlatformLayer, readProviderIndex } from '../provider-store/provider-reader.js';
import type { ReadContext } from '../read-cache/read-context.js';
import { readSmallBlob, versionTagList } from '../read-cache/reader.js';

export interface StoredPlatform {
  os: string;
  arch: string;
  layer: ProviderPackageLayer;
  /** h1 from the index entry or the layer annotation, when recorded. */
  h1?: string;
  /** The release file name from the layer or the index entry, when recorded. */
  filename?: string;
}

export interface StoredVersion {
  version: string;
  platforms: StoredPlatform[];
  /** Plugin protocol versions recorded with the version, when present. */
  protocols?: string[];
  /** Signed versions: the exact SHA256SUMS bytes and the descriptors of the signature and the key. */
  signed?: { shasums: Buffer; metadata: ProviderMetadataLayers };
}

/** Versions stored in `repository` (none when the repository does not exist). */
export async function storedVersions(deps: ReadContext, repository: string, caller: Caller): Promise<string[]> {
  try {
    const list = await versionTagList(deps, repository, caller);
    return list.versions.map((t) => t.version);
  } catch (err) {
    if (isOciError(err, 'NOT_FOUND')) return [];
    throw err;
  }
}

/** One stored version with its platforms, or null when the version tag is not there. */
export async function storedVersion(deps: ReadContext, repository: string, version: string, caller: Caller): Promise<StoredVersion | null> {
  const tag = versionToTag(version);
  let index: Awaited<ReturnType<typeof readProviderIndex>>['index'];
  try {
    ({ index } = await readProviderIndex(deps, repository, tag, caller));
  } catch (err) {
    if (isOciError(err, 'NOT_FOUND')) return null;
    throw err;
  }
  const platforms = await mapLimit(index.platforms, 8, async (entry) => {
    const layer = await readPlatformLayer(deps, repository, entry, caller);
    const h1 = entry.h1 ?? layer.h1;
    const filename = layer.filename ?? entry.filename;
    return { os: entry.os, arch: entry.arch, layer, ...(h1 ? { h1 } : {}), ...(filename ? { filename } : {}) };
  });
  let signed: StoredVersion['signed'];
  if (index.metadata) {
    const metadata = await readMetadata(deps, repository, index.metadata, caller);
    signed = { shasums: await readSmallBlob(deps, repository, metadata.shasums, caller), metadata };
  }
  return {
    version: tagToVersion(tag) ?? version,
    platforms,
    ...(index.protocols ? { protocols: index.protocols } : {}),
    ...(signed ? { signed } : {}),
  };
}
