// Media types, artifact types and annotation keys of the layout: OpenTofu's own (which tofu checks,
// docs/design/protocols.md §1.3-§1.5 and §2) and ours (which tofu ignores, docs/design/protocols.md §1.4 / §1.9 "Where to hang
// server-only metadata"). Our names live under `vnd.tf-oci-registry` / `io.tf-oci-registry.`.

// --- OpenTofu (internal/getproviders/oci_registry_mirror_source.go, internal/getmodules/oci_getter.go) ---

/** artifactType of a provider version's image index (`ociIndexManifestArtifactType`). */
export const ARTIFACT_TYPE_PROVIDER = 'application/vnd.opentofu.provider';
/** artifactType of a per-platform image manifest and of its index entry (`ociPackageManifestArtifactType`). */
export const ARTIFACT_TYPE_PROVIDER_TARGET = 'application/vnd.opentofu.provider-target';
/**
 * artifactType on the zip layer. Not checked by tofu ≥ 1.10 but present in OpenTofu's own fixtures and
 * required by early drafts, so we write it (docs/design/oci-registries.md §5).
 */
export const ARTIFACT_TYPE_PROVIDER_PACKAGE = 'application/vnd.opentofu.providerpkg';
/** artifactType of a module package image manifest (docs/design/protocols.md §2). */
export const ARTIFACT_TYPE_MODULE_PACKAGE = 'application/vnd.opentofu.modulepkg';
/** Media type of the one package layer, for providers and modules (`ociPackageMediaType`). */
export const MEDIA_TYPE_ZIP = 'archive/zip';

// --- ours ---

/** artifactType of our metadata manifest, listed as an extra index entry (tofu skips other artifactTypes). */
export const ARTIFACT_TYPE_PROVIDER_METADATA = 'application/vnd.tf-oci-registry.provider-metadata.v1';
/** Layer: the release's SHA256SUMS document, byte-identical (the signature covers these exact bytes). */
export const MEDIA_TYPE_SHA256SUMS = 'application/vnd.tf-oci-registry.sha256sums';
/** Layer: the BINARY detached OpenPGP signature over SHA256SUMS (RFC 3156 media type). */
export const MEDIA_TYPE_PGP_SIGNATURE = 'application/pgp-signature';
/** Layer: the ASCII-armored public key that made the signature (RFC 3156 media type). */
export const MEDIA_TYPE_PGP_KEYS = 'application/pgp-keys';
/** Layer: GoReleaser's `terraform-provider-<type>_<version>_manifest.json` (protocol versions). */
export const MEDIA_TYPE_REGISTRY_MANIFEST = 'application/vnd.tf-oci-registry.registry-manifest+json';

// --- annotations ---

/** Standard: file name of a layer (ORAS writes it too), release file name on a platform entry. */
export const ANNOTATION_TITLE = 'org.opencontainers.image.title';
/** Standard: the Terraform version on an index or module manifest. */
export const ANNOTATION_VERSION = 'org.opencontainers.image.version';
/** Ours: the `h1:` dirhash of a zip (docs/design/protocols.md §5.3), on the zip layer and its index entry. */
export const ANNOTATION_H1 = 'io.tf-oci-registry.h1';
/** Ours: plugin protocol versions, comma-separated (`5.0,6.0`), on the index. */
export const ANNOTATION_PROTOCOLS = 'io.tf-oci-registry.protocols';
/** Ours: upper-case 16-hex id of the signing key's primary key, on the index and the key layer. */
export const ANNOTATION_KEY_ID = 'io.tf-oci-registry.key-id';
/** Ours: the registry a mirrored version was copied from (e.g. registry.terraform.io), on the index; informative. */
export const ANNOTATION_MIRRORED_FROM = 'io.tf-oci-registry.mirrored-from';
