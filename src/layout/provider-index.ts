// A provider version in OpenTofu's OCI layout, read (docs/design/protocols.md §1.3-§1.5, §1.9): indexes and
// manifests written by us (provider-release.ts builds them) or by other tools (ORAS, OpenTofu's fixtures),
// parsed with the rules tofu applies.
import {
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_IMAGE_INDEX,
  MEDIA_TYPE_IMAGE_MANIFEST,
  type Descriptor,
} from '../oci/types.js';
import { LayoutError } from './errors.js';
import { byPlatform } from './provider-release.js';
import {
  ANNOTATION_H1,
  ANNOTATION_KEY_ID,
  ANNOTATION_PROTOCOLS,
  ANNOTATION_TITLE,
  ANNOTATION_VERSION,
  ARTIFACT_TYPE_MODULE_PACKAGE,
  ARTIFACT_TYPE_PROVIDER,
  ARTIFACT_TYPE_PROVIDER_METADATA,
  ARTIFACT_TYPE_PROVIDER_TARGET,
  MEDIA_TYPE_PGP_KEYS,
  MEDIA_TYPE_PGP_SIGNATURE,
  MEDIA_TYPE_REGISTRY_MANIFEST,
  MEDIA_TYPE_SHA256SUMS,
  MEDIA_TYPE_ZIP,
} from './media-types.js';
import {
  asObject,
  readAnnotations,
  readArray,
  readDescriptor,
  readKeptDescriptor,
  readManifestEnvelope,
  readString,
  selectOneLayer,
} from './oci-json.js';
import type {
  ProviderIndex,
  ProviderIndexEntries,
  ProviderMetadataLayers,
  ProviderPackageLayer,
  ProviderPlatformEntry,
  TfPlatform,
} from './types.js';

/** Refuses what tofu refuses before reading a provider index (docs/design/protocols.md §1.3). */
function checkIndexMediaType(mediaType: string): void {
  if (mediaType === MEDIA_TYPE_IMAGE_INDEX) return;
  if (mediaType === MEDIA_TYPE_DOCKER_MANIFEST_LIST) {
    throw new LayoutError(
      'UNSUPPORTED_MEDIA_TYPE',
      `the tag refers to a Docker manifest list (${mediaType}); ` +
        `OpenTofu requires an OCI image index (${MEDIA_TYPE_IMAGE_INDEX}): push it with an OCI-aware tool`,
    );
  }
  if (mediaType === MEDIA_TYPE_IMAGE_MANIFEST || mediaType === MEDIA_TYPE_DOCKER_MANIFEST) {
    throw new LayoutError(
      'UNSUPPORTED_MEDIA_TYPE',
      `the tag refers directly to an image manifest (${mediaType}); ` +
        'providers must be selected through a multi-platform OCI image index',
    );
  }
  throw new LayoutError('UNSUPPORTED_MEDIA_TYPE', `unsupported media type ${JSON.stringify(mediaType)} for a provider index`);
}

/** The index's JSON once the media type, envelope and artifactType are what tofu accepts (§1.3). */
function readProviderIndexEnvelope(bytes: Buffer, mediaType: string): Record<string, unknown> {
  checkIndexMediaType(mediaType);
  const obj = readManifestEnvelope(bytes, mediaType, 'provider index');
  const artifactType = readString(obj, 'artifactType', 'provider index');
  if (artifactType === ARTIFACT_TYPE_MODULE_PACKAGE) {
    throw new LayoutError('WRONG_ARTIFACT_TYPE', 'the selected OCI artifact is an OpenTofu module package, not a provider');
  }
  if (artifactType !== ARTIFACT_TYPE_PROVIDER) {
    throw new LayoutError(
      'WRONG_ARTIFACT_TYPE',
      `provider index has artifactType ${JSON.stringify(artifactType ?? null)}, expected ${ARTIFACT_TYPE_PROVIDER}`,
    );
  }
  return obj;
}

/**
 * Splits an existing provider index into its entries, unfiltered, for adding platforms to it (mirror
 * path): every provider-target entry (tofu's required media type and platform checked, as in
 * {@link parseProviderIndex}; duplicates and `os.version` entries kept), our metadata entries, every
 * other entry, and the index annotations. Descriptors are read with every image-spec descriptor field
 * (https://github.com/opencontainers/image-spec/blob/main/descriptor.md) and remember their JSON
 * (readKeptDescriptor), so {@link buildProviderIndex} writes them back exactly as they were (fields and
 * their order; JSON escapes may be normalized).
 */
export function readProviderIndexEntries(bytes: Buffer, mediaType: string): ProviderIndexEntries {
  const obj = readProviderIndexEnvelope(bytes, mediaType);
  const out: ProviderIndexEntries = { platforms: [], metadata: [], others: [], annotations: readAnnotations(obj, 'provider index') };
  readArray(obj, 'manifests', 'provider index').forEach((raw, i) => {
    const where = `provider index manifests[${i}]`;
    const d = readKeptDescriptor(raw, where);
    if (d.artifactType === ARTIFACT_TYPE_PROVIDER_METADATA) out.metadata.push(d);
    else if (d.artifactType !== ARTIFACT_TYPE_PROVIDER_TARGET) out.others.push(d);
    else if (d.mediaType !== MEDIA_TYPE_IMAGE_MANIFEST) {
      throw new LayoutError('MALFORMED', `${where}: provider image manifest has unsupported media type ${JSON.stringify(d.mediaType)}`);
    } else if (!d.platform) throw new LayoutError('MALFORMED', `${where}: provider image manifest lacks the required platform`);
    else out.platforms.push(d);
  });
  return out;
}

/**
 * Parses a provider version's index with OpenTofu's `selectOCIImageManifest` rules (docs/design/protocols.md §1.3-§1.4):
 * OCI index only, artifactType `application/vnd.opentofu.provider`; provider-target entries need an image
 * manifest media type and a platform; entries with `os.version` never match; several entries for one
 * platform make it ambiguous (dropped, noted in `problems`); other artifactTypes are ignored except our
 * metadata entry. Throws {@link LayoutError} when tofu would refuse the whole index.
 */
export function parseProviderIndex(bytes: Buffer, mediaType: string): ProviderIndex {
  const obj = readProviderIndexEnvelope(bytes, mediaType);
  const problems: string[] = [];
  const candidates = new Map<string, ProviderPlatformEntry[]>();
  const metadata: Descriptor[] = [];
  readArray(obj, 'manifests', 'provider index').forEach((raw, i) => {
    const where = `provider index manifests[${i}]`;
    const at = readString(asObject(raw, where), 'artifactType', where);
    if (at === ARTIFACT_TYPE_PROVIDER_METADATA) {
      const d = readDescriptor(raw, where);
      if (d.mediaType === MEDIA_TYPE_IMAGE_MANIFEST) metadata.push(d);
      else problems.push(`${where}: metadata entry has media type ${d.mediaType}, ignored`);
      return;
    }
    if (at !== ARTIFACT_TYPE_PROVIDER_TARGET) return;
    const d = readDescriptor(raw, where);
    if (d.mediaType !== MEDIA_TYPE_IMAGE_MANIFEST) {
      throw new LayoutError('MALFORMED', `${where}: provider image manifest has unsupported media type ${JSON.stringify(d.mediaType)}`);
    }
    if (!d.platform) throw new LayoutError('MALFORMED', `${where}: provider image manifest lacks the required platform`);
    const { os, architecture: arch } = d.platform;
    if (d.platform['os.version']) {
      problems.push(`${where} (${os}_${arch}) sets os.version, which OpenTofu never selects: ignored`);
      return;
    }
    const entry: ProviderPlatformEntry = { os, arch, manifest: d };
    if (d.annotations?.[ANNOTATION_H1] !== undefined) entry.h1 = d.annotations[ANNOTATION_H1];
    if (d.annotations?.[ANNOTATION_TITLE] !== undefined) entry.filename = d.annotations[ANNOTATION_TITLE];
    const key = `${os}_${arch}`;
    candidates.set(key, [...(candidates.get(key) ?? []), entry]);
  });

  const platforms: ProviderPlatformEntry[] = [];
  for (const [key, entries] of candidates) {
    if (entries.length === 1) platforms.push(entries[0] as ProviderPlatformEntry);
    else problems.push(`${key} has ${entries.length} entries (OpenTofu ignores "variant"): ambiguous, not served`);
  }
  platforms.sort(byPlatform);
  if (candidates.size === 0) problems.push('no provider-target entries: no platform can be installed');

  const annotations = readAnnotations(obj, 'provider index');
  const result: ProviderIndex = { platforms, problems };
  if (metadata.length === 1) result.metadata = metadata[0] as Descriptor;
  else if (metadata.length > 1) problems.push(`${metadata.length} metadata entries: ambiguous, none used`);
  if (!result.metadata) {
    problems.push(
      'no signature metadata (SHA256SUMS, signature, public key): served through the network mirror ' +
        'and tofu oci_mirror, not providers.v1',
    );
  }
  const protocols = annotations[ANNOTATION_PROTOCOLS]
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (protocols && protocols.length > 0) result.protocols = protocols;
  else problems.push('no protocol versions recorded: providers.v1 answers an empty list, so the CLI skips its protocol check');
  const keyId = annotations[ANNOTATION_KEY_ID];
  if (keyId !== undefined) result.keyId = keyId.toUpperCase();
  const version = annotations[ANNOTATION_VERSION];
  if (version !== undefined) result.version = version;
  const withoutH1 = platforms.filter((p) => p.h1 === undefined).map((p) => `${p.os}_${p.arch}`);
  if (withoutH1.length > 0)
    problems.push(`no h1 hash recorded for ${withoutH1.join(', ')}: the network mirror must hash the zip or list only zh:`);
  return result;
}

function readImageManifest(bytes: Buffer, mediaType: string, artifactType: string, what: string): Record<string, unknown> {
  if (mediaType !== MEDIA_TYPE_IMAGE_MANIFEST) {
    throw new LayoutError(
      'UNSUPPORTED_MEDIA_TYPE',
      `${what} has media type ${JSON.stringify(mediaType)}, expected ${MEDIA_TYPE_IMAGE_MANIFEST}`,
    );
  }
  const obj = readManifestEnvelope(bytes, mediaType, what);
  const got = readString(obj, 'artifactType', what);
  if (got !== artifactType) {
    throw new LayoutError('WRONG_ARTIFACT_TYPE', `${what} has artifactType ${JSON.stringify(got ?? null)}, expected ${artifactType}`);
  }
  return obj;
}

/**
 * Picks the zip layer of a per-platform manifest like tofu's `selectOCILayerBlob` and
 * `checkOCIBlobDescriptor` (docs/design/protocols.md §1.5): non-`archive/zip` layers are ignored, exactly one must
 * remain, its digest must be sha256, and a layer-level platform, if any, must equal `expected`.
 */
export function parsePlatformManifest(bytes: Buffer, mediaType: string, expected: TfPlatform): ProviderPackageLayer {
  const what = `provider manifest for ${expected.os}_${expected.arch}`;
  const obj = readImageManifest(bytes, mediaType, ARTIFACT_TYPE_PROVIDER_TARGET, what);
  const layer = selectOneLayer(obj, MEDIA_TYPE_ZIP, what);
  const p = layer.platform;
  if (p && (p.os !== expected.os || p.architecture !== expected.arch)) {
    throw new LayoutError(
      'PLATFORM_MISMATCH',
      `${what}: the zip layer is for ${p.os}_${p.architecture}, but was selected for ${expected.os}_${expected.arch}`,
    );
  }
  const result: ProviderPackageLayer = { layer, shasumHex: layer.digest.slice('sha256:'.length) };
  if (layer.annotations?.[ANNOTATION_H1] !== undefined) result.h1 = layer.annotations[ANNOTATION_H1];
  if (layer.annotations?.[ANNOTATION_TITLE] !== undefined) result.filename = layer.annotations[ANNOTATION_TITLE];
  return result;
}

/** Parses our metadata manifest: exactly one SHA256SUMS, signature and key layer, optional GoReleaser manifest. */
export function parseMetadataManifest(bytes: Buffer, mediaType: string): ProviderMetadataLayers {
  const what = 'provider metadata manifest';
  const obj = readImageManifest(bytes, mediaType, ARTIFACT_TYPE_PROVIDER_METADATA, what);
  const layers = readArray(obj, 'layers', what).map((raw, i) => readDescriptor(raw, `${what} layers[${i}]`));
  const one = (type: string, required: boolean): Descriptor | undefined => {
    const found = layers.filter((l) => l.mediaType === type);
    if (found.length > 1) throw new LayoutError('AMBIGUOUS', `${what} has ${found.length} layers of type ${type}`);
    if (found.length === 0 && required) throw new LayoutError('MALFORMED', `${what} has no layer of type ${type}`);
    return found[0];
  };
  const shasums = one(MEDIA_TYPE_SHA256SUMS, true) as Descriptor;
  const result: ProviderMetadataLayers = {
    shasums,
    signature: one(MEDIA_TYPE_PGP_SIGNATURE, true) as Descriptor,
    publicKey: one(MEDIA_TYPE_PGP_KEYS, true) as Descriptor,
  };
  const registryManifest = one(MEDIA_TYPE_REGISTRY_MANIFEST, false);
  if (registryManifest) result.registryManifest = registryManifest;
  const title = shasums.annotations?.[ANNOTATION_TITLE];
  if (title !== undefined) result.shasumsFilename = title;
  return result;
}
