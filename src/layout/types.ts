// Domain shapes of the Terraform <-> OCI mapping: what a provider version or module version looks like once
// its OCI index/manifests are parsed, and what is needed to build them. Pure data, no I/O.
import type { Descriptor, Digest } from '../oci/types.js';

/** A Terraform platform, e.g. { os: 'linux', arch: 'amd64' } (Go GOOS/GOARCH names, as OCI uses). */
export interface TfPlatform {
  os: string;
  arch: string;
}

/** One platform entry of a provider version, as read from the OCI index (no further fetch needed). */
export interface ProviderPlatformEntry extends TfPlatform {
  /** The per-platform image manifest (artifactType application/vnd.opentofu.provider-target). */
  manifest: Descriptor;
  /** `h1:` hash of the zip, when the publisher recorded it (our annotation). */
  h1?: string;
  /** The release filename (terraform-provider-<type>_<version>_<os>_<arch>.zip), when recorded. */
  filename?: string;
}

/** A provider version's OCI index, parsed. */
export interface ProviderIndex {
  /** Platforms in deterministic (os, arch) order. */
  platforms: ProviderPlatformEntry[];
  /** Our metadata manifest (SHA256SUMS, signature, key, registry manifest), when present. */
  metadata?: Descriptor;
  /** Plugin protocol versions (e.g. ["5.0"]) from our annotation, when present. */
  protocols?: string[];
  /** Upper-case 16-hex key id of the signing key, when recorded. */
  keyId?: string;
  /** The version the publisher recorded (org.opencontainers.image.version), when present. */
  version?: string;
  /** Human-readable notes on what this index lacks (e.g. "no signature metadata: providers.v1 unavailable"). */
  problems: string[];
}

/** The zip layer chosen from a per-platform manifest (exactly one archive/zip layer, as OpenTofu requires). */
export interface ProviderPackageLayer {
  layer: Descriptor;
  /** sha256 hex of the zip = the layer digest = the `zh:` hash = the SHA256SUMS entry. */
  shasumHex: string;
  h1?: string;
  filename?: string;
}

/** Our metadata manifest, parsed: descriptors of its layers. */
export interface ProviderMetadataLayers {
  shasums: Descriptor;
  signature: Descriptor;
  publicKey: Descriptor;
  registryManifest?: Descriptor;
  /** Filename of the SHA256SUMS document as published (…_SHA256SUMS). */
  shasumsFilename?: string;
}

/** One platform of a provider version to write: its zip (already a blob), `h1:` hash and release file name. */
export interface ProviderPlatformInput extends TfPlatform {
  filename: string;
  zip: Descriptor;
  h1: string;
}

/** What our metadata manifest is built from: the blobs of SHA256SUMS, its signature and the public key. */
export interface ProviderMetadataInput {
  type: string;
  version: string;
  keyId: string;
  shasums: { filename: string; blob: Descriptor };
  signature: Descriptor;
  publicKey: Descriptor;
  registryManifest?: Descriptor;
}

/** Everything needed to build a provider version's manifests (publish path). */
export interface ProviderReleaseInput extends ProviderMetadataInput {
  protocols: string[];
  platforms: ProviderPlatformInput[];
}

/**
 * The entries of a provider version's index, any order (the builder sorts): descriptors of platform
 * manifests (from buildPlatformManifest, or read back from an existing index and kept as they are).
 */
export interface ProviderIndexInput {
  /** provider-target entries, each with its platform. */
  platforms: readonly Descriptor[];
  /** Entries of other artifact types found in an existing index, kept in their order after the platforms. */
  others?: readonly Descriptor[];
  /** Our metadata entry; absent for a mirror-only version (like ORAS-pushed ones). */
  metadata?: Descriptor;
  /** Index annotations (providerIndexAnnotations, or an existing index's kept ones). */
  annotations: Record<string, string>;
}

/** A provider version's index split into its kinds of entries, raw (for adding platforms to it). */
export interface ProviderIndexEntries {
  /** provider-target entries, in index order (duplicates and os.version entries included). */
  platforms: Descriptor[];
  /** Our metadata entries (one, normally). */
  metadata: Descriptor[];
  /** Every other entry (other artifact types), in index order. */
  others: Descriptor[];
  annotations: Record<string, string>;
}

/** What a module version's manifest is built from (publish path). */
export interface ModuleManifestInput {
  /** The module package zip blob, already pushed. */
  zip: Descriptor;
  version: string;
  /** File name recorded as the layer title (org.opencontainers.image.title), when known. */
  filename?: string;
}

/** A module version's image manifest, parsed: the one archive/zip layer (docs/design/protocols.md §2). */
export interface ModulePackage {
  layer: Descriptor;
  /** sha256 hex of the zip. */
  shasumHex: string;
  filename?: string;
  /** The version the publisher recorded (org.opencontainers.image.version), when present. */
  version?: string;
}

/** Serialized manifest ready to push: exact bytes, their descriptor. */
export interface BuiltManifest {
  bytes: Buffer;
  descriptor: Descriptor;
}

/** A platform manifest and the index entry pointing at it (platform, h1 and title annotations). */
export interface BuiltPlatformManifest extends BuiltManifest {
  entry: Descriptor;
}

/** The manifests of one provider version, children first, index last (push order). */
export interface BuiltProviderRelease {
  platformManifests: BuiltManifest[];
  metadataManifest: BuiltManifest;
  index: BuiltManifest;
}

export type { Descriptor, Digest };
