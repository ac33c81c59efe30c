// A provider version in OpenTofu's OCI layout, built (docs/design/protocols.md §1.3-§1.5, §1.9): the
// per-platform manifests, our metadata manifest and the index, deterministic to the byte, for the publish
// path and for mirrored versions written platform by platform. provider-index.ts reads them back.
import { MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_MANIFEST, type Descriptor } from '../oci/types.js';
import { LayoutError } from './errors.js';
import {
  ANNOTATION_H1,
  ANNOTATION_KEY_ID,
  ANNOTATION_MIRRORED_FROM,
  ANNOTATION_PROTOCOLS,
  ANNOTATION_TITLE,
  ANNOTATION_VERSION,
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
import { buildImageIndex, buildImageManifest, emptyConfigDescriptor } from './oci-json.js';
import type {
  BuiltManifest,
  BuiltPlatformManifest,
  BuiltProviderRelease,
  ProviderIndexInput,
  ProviderMetadataInput,
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

/** The (os, arch) order of platform entries in every index (OpenTofu reads any order; ours is deterministic). */
export const byPlatform = (a: TfPlatform, b: TfPlatform): number =>
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
