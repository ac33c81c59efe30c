// A provider version in OpenTofu's OCI layout (docs/design/protocols.md §1.3-§1.5, §1.9): build the index, the
// per-platform manifests and our metadata manifest for the publish path; parse indexes and manifests
// written by us or by other tools (ORAS, OpenTofu's fixtures) with the rules tofu applies.
import {
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_IMAGE_INDEX,
  MEDIA_TYPE_IMAGE_MANIFEST,
  type Descriptor,
} from '../oci/types.js';
import { LayoutError } from './errors.js';
import {
  ANNOTATION_H1,
  ANNOTATION_KEY_ID,
  ANNOTATION_MIRRORED_FROM,
  ANNOTATION_PROTOCOLS,
  ANNOTATION_TITLE,
  ANNOTATION_VERSION,
  ARTIFACT_TYPE_MODULE_PACKAGE,
  ARTIFACT_TYPE_PROVIDER,
  ARTIFACT_TYPE_PROVIDER_METADATA,
  ARTIFACT_TYPE_PROVIDER_PACKAGE,
  ARTIFACT_TYPE_PROVIDER_TARGET,
  MEDIA_TYPE_PGP_KEYS,
  MEDIA_TYPE_PGP_SIGNATURE,
  MEDIA_TYPE_REGISTRY_MANIFEST,
  MEDIA_TYPE_SHA256SUMS,
  MEDIA_TYPE_ZIP,
} from './media-types.js';
import { normalizeProviderType, versionToTag } from './names.js';
import {
  asObject,
  buildImageIndex,
  buildImageManifest,
  emptyConfigDescriptor,
  readAnnotations,
  readArray,
  readDescriptor,
  readKeptDescriptor,
  readManifestEnvelope,
  readString,
  selectOneLayer,
} from './oci-json.js';
import type {
  BuiltManifest,
  BuiltPlatformManifest,
  BuiltProviderRelease,
  ProviderIndex,
  ProviderIndexEntries,
  ProviderIndexInput,
  ProviderMetadataInput,
  ProviderMetadataLayers,
  ProviderPackageLayer,
  ProviderPlatformEntry,
  ProviderPlatformInput,
  ProviderReleaseInput,
  TfPlatform,
} from './types.js';

/** Plugin protocol versions assumed when a release names none (Terraform's own default for providers.v1). */
export const DEFAULT_PROTOCOLS = ['5.0'];

/** `terraform-provider-<type>_<version>_<os>_<arch>.zip`, the name tofu synthesizes too (docs/design/protocols.md §1.6). */
export function defaultProviderFilename(type: string, version: string, os: string, arch: string): string {
  return `terraform-provider-${type}_${version}_${os}_${arch}.zip`;
}

/** `terraform-provider-<type>_<version>_SHA256SUMS`, as GoReleaser names it. */
export function shasumsFilename(type: string, version: string): string {
  return `terraform-provider-${type}_${version}_SHA256SUMS`;
}

const byPlatform = (a: TfPlatform, b: TfPlatform): number =>
  a.os < b.os ? -1 : a.os > b.os ? 1 : a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0;

/** The (os, arch) of an index entry; entries without a platform sort first (the builder never gets any). */
const entryPlatform = (d: Descriptor): TfPlatform => ({ os: d.platform?.os ?? '', arch: d.platform?.architecture ?? '' });

/** The annotation key of a platform, `<os>_<arch>` (the release file name's suffix). */
function platformKey(p: TfPlatform): string {
  return `${p.os}_${p.arch}`;
}

const badInput = (msg: string): LayoutError => new LayoutError('INVALID_INPUT', msg);

/** Checks a signing key id: 16 upper-case hex digits (what the index and key layer record). */
export function checkKeyId(keyId: string): void {
  if (!/^[0-9A-F]{16}$/.test(keyId)) throw badInput(`key id ${JSON.stringify(keyId)} must be 16 upper-case hex digits`);
}

/**
 * Checks what every write of a provider version needs (publish and mirror paths): a normalized type, a
 * canonical version, protocol versions like "5.0", lowercase GOOS_GOARCH platforms listed once with an
 * `h1:` hash and a plain file name. Throws {@link LayoutError} INVALID_INPUT (or INVALID_VERSION).
 */
export function checkProviderVersionInput(input: {
  type: string;
  version: string;
  protocols: readonly string[];
  platforms: readonly ProviderPlatformInput[];
}): void {
  if (normalizeProviderType(input.type) !== input.type)
    throw badInput(`provider type ${JSON.stringify(input.type)} is not normalized (lowercase)`);
  versionToTag(input.version);
  for (const p of input.protocols) {
    if (!/^[0-9]+(?:\.[0-9]+)?$/.test(p)) throw badInput(`protocol version ${JSON.stringify(p)} must look like "5.0"`);
  }
  const seen = new Set<string>();
  for (const p of input.platforms) {
    const key = platformKey(p);
    if (!/^[a-z0-9]+$/.test(p.os) || !/^[a-z0-9]+$/.test(p.arch))
      throw badInput(`platform ${JSON.stringify(key)} must be lowercase GOOS_GOARCH`);
    if (seen.has(key)) throw badInput(`platform ${key} is listed twice; OpenTofu would reject the index as ambiguous`);
    seen.add(key);
    if (!/^h1:[A-Za-z0-9+/]{43}=$/.test(p.h1)) throw badInput(`h1 hash of ${key} ${JSON.stringify(p.h1)} is not h1:<base64 sha256>`);
    if (p.filename === '' || p.filename.includes('/')) throw badInput(`filename of ${key} must be a plain file name`);
  }
}

function checkReleaseInput(input: ProviderReleaseInput): void {
  checkProviderVersionInput(input);
  checkKeyId(input.keyId);
  if (input.shasums.filename === '' || input.shasums.filename.includes('/'))
    throw badInput('the SHA256SUMS filename must be a plain file name');
  if (input.platforms.length === 0) throw badInput('a provider release needs at least one platform');
}

/**
 * One platform's image manifest (artifactType provider-target, empty config, exactly one `archive/zip`
 * layer, docs/design/protocols.md §1.5) and the index entry that points at it (platform, h1 and file name
 * annotations, §1.4). Deterministic to the byte. Unchecked: see {@link checkProviderVersionInput}.
 */
export function buildPlatformManifest(p: ProviderPlatformInput): BuiltPlatformManifest {
  const manifest = buildImageManifest({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
    artifactType: ARTIFACT_TYPE_PROVIDER_TARGET,
    config: emptyConfigDescriptor(),
    layers: [
      {
        mediaType: MEDIA_TYPE_ZIP,
        digest: p.zip.digest,
        size: p.zip.size,
        annotations: { [ANNOTATION_H1]: p.h1, [ANNOTATION_TITLE]: p.filename },
        // Layer platform and artifactType as in OpenTofu's own e2e fixture (§1.9 (a)); tofu checks the platform.
        platform: { architecture: p.arch, os: p.os },
        artifactType: ARTIFACT_TYPE_PROVIDER_PACKAGE,
      },
    ],
  });
  const entry: Descriptor = {
    ...manifest.descriptor,
    annotations: { [ANNOTATION_H1]: p.h1, [ANNOTATION_TITLE]: p.filename },
    platform: { architecture: p.arch, os: p.os },
    artifactType: ARTIFACT_TYPE_PROVIDER_TARGET,
  };
  return { ...manifest, entry };
}

/**
 * Our metadata manifest (SHA256SUMS, binary signature, armored key, optional GoReleaser manifest), the
 * index entry of artifactType provider-metadata.v1 that tofu skips (docs/design/protocols.md §1.4). Unchecked.
 */
export function buildMetadataManifest(input: ProviderMetadataInput): BuiltManifest {
  const layers: Descriptor[] = [
    {
      mediaType: MEDIA_TYPE_SHA256SUMS,
      digest: input.shasums.blob.digest,
      size: input.shasums.blob.size,
      annotations: { [ANNOTATION_TITLE]: input.shasums.filename },
    },
    {
      mediaType: MEDIA_TYPE_PGP_SIGNATURE,
      digest: input.signature.digest,
      size: input.signature.size,
      annotations: { [ANNOTATION_TITLE]: `${input.shasums.filename}.sig` },
    },
    {
      mediaType: MEDIA_TYPE_PGP_KEYS,
      digest: input.publicKey.digest,
      size: input.publicKey.size,
      annotations: { [ANNOTATION_KEY_ID]: input.keyId },
    },
  ];
  if (input.registryManifest) {
    layers.push({
      mediaType: MEDIA_TYPE_REGISTRY_MANIFEST,
      digest: input.registryManifest.digest,
      size: input.registryManifest.size,
      annotations: { [ANNOTATION_TITLE]: `terraform-provider-${input.type}_${input.version}_manifest.json` },
    });
  }
  return buildImageManifest({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
    artifactType: ARTIFACT_TYPE_PROVIDER_METADATA,
    config: emptyConfigDescriptor(),
    layers,
    annotations: { [ANNOTATION_VERSION]: input.version },
  });
}

/**
 * The index annotations we write: version, protocols (when any), the signing key id (only for a version
 * with a metadata entry) and, for mirrored versions, where it came from (readers ignore it).
 */
export function providerIndexAnnotations(a: {
  version: string;
  protocols: readonly string[];
  keyId?: string;
  mirroredFrom?: string;
}): Record<string, string> {
  const out: Record<string, string> = { [ANNOTATION_VERSION]: a.version };
  if (a.keyId !== undefined) out[ANNOTATION_KEY_ID] = a.keyId;
  if (a.protocols.length > 0) out[ANNOTATION_PROTOCOLS] = a.protocols.join(',');
  if (a.mirroredFrom !== undefined && a.mirroredFrom !== '') out[ANNOTATION_MIRRORED_FROM] = a.mirroredFrom;
  return out;
}

/**
 * A provider version's image index (https://github.com/opencontainers/image-spec/blob/main/image-index.md)
 * from index entries, deterministic to the byte whatever order they come in: platform entries sorted by
 * (os, arch) (stable: existing duplicates keep their order), then `others` as given (entries of other
 * artifact types found in an existing index), then the metadata entry, if any, LAST. Entries are written
 * as given, so descriptors read back from an existing index are kept as they were; a version written at
 * once and one written platform by platform end with the same bytes. Refuses an index without platforms.
 */
export function buildProviderIndex(input: ProviderIndexInput): BuiltManifest {
  if (input.platforms.length === 0) throw badInput('a provider index needs at least one platform entry');
  for (const d of input.platforms) {
    if (!d.platform) throw badInput(`platform entry ${d.digest} has no platform`);
  }
  const platforms = [...input.platforms].sort((a, b) => byPlatform(entryPlatform(a), entryPlatform(b)));
  return buildImageIndex({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_IMAGE_INDEX,
    artifactType: ARTIFACT_TYPE_PROVIDER,
    manifests: [...platforms, ...(input.others ?? []), ...(input.metadata ? [input.metadata] : [])],
    ...(Object.keys(input.annotations).length > 0 ? { annotations: { ...input.annotations } } : {}),
  });
}

/**
 * Builds every manifest of one provider version, deterministic to the byte (same input, same digests):
 * one image manifest per platform (empty config, exactly one `archive/zip` layer, docs/design/protocols.md §1.5), our
 * metadata manifest (SHA256SUMS, signature, key, optional GoReleaser manifest) and the index that lists
 * the platforms sorted by (os, arch) followed by the metadata entry (ignored by tofu, §1.4).
 * Push order: platform manifests, metadata manifest, then the index under {@link versionToTag}.
 */
export function buildProviderRelease(input: ProviderReleaseInput): BuiltProviderRelease {
  checkReleaseInput(input);
  const built = [...input.platforms].sort(byPlatform).map(buildPlatformManifest);
  const metadataManifest = buildMetadataManifest(input);
  const index = buildProviderIndex({
    platforms: built.map((b) => b.entry),
    metadata: metadataManifest.descriptor,
    annotations: providerIndexAnnotations(input),
  });
  return { platformManifests: built.map(({ bytes, descriptor }) => ({ bytes, descriptor })), metadataManifest, index };
}

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
