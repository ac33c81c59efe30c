// Shapes of the publishing API's state (docs/design/publishing-baseline.md#concepts: GPG keys, providers, provider versions) as
// stored in the records repository, the upload limits, and the dependencies every publish use case gets.
// Pure data; no I/O.
import type { SealedTokens } from '../core/sealed-token.js';
import type { StoreScope } from '../core/scope.js';
import type { ReadContext } from '../read-cache/read-context.js';
import type { KeyedLock } from '../core/keyed-lock.js';
import type { ZipInspection, ZipInspectOptions } from '../verify/zip-inspect.js';

/** docs/design/publishing-baseline.md#provider-versions: pending while uploading, uploaded once verified, errored otherwise. */
export type VersionStatus = 'pending' | 'uploaded' | 'errored';

/** Common bookkeeping of every record. Times are ISO 8601 UTC strings. */
export interface RecordBase {
  /** The resource id (see ids.ts): derived from the record's natural key, stable, URL-safe. */
  id: string;
  namespace: string;
  createdAt: string;
  updatedAt: string;
}

/** A registered public key (docs/design/publishing-baseline.md#gpg-keys). Armor and fingerprint never change. */
export interface GpgKeyRecord extends RecordBase {
  name: string;
  description: string;
  asciiArmor: string;
  /** 40 upper-case hex digits of the primary key. */
  fingerprint: string;
  /** Upper-case 16-hex long key id of the primary key (what providers.v1 announces as key_id). */
  keyId: string;
  /** e.g. "RSA 3072". */
  algorithm: string;
  /** When the primary key expires (ISO 8601), or null. */
  expiresAt: string | null;
  /** When the primary key was made (absent in records written before this was kept). */
  keyCreatedAt?: string;
  /** When the last usable signing (sub)key stops being usable; null = never (absent in older records). */
  signingExpiresAt?: string | null;
  /** The subkeys with their capabilities (absent in older records). */
  subkeys?: GpgSubkeyRecord[];
  /** Capabilities of the primary key (absent in older records). */
  capabilities?: string[];
  /** Who added the key (core/actor.ts); null = nobody named; absent in older records. */
  uploadedBy?: string | null;
}

/** A subkey of a registered key, as read at registration. */
export interface GpgSubkeyRecord {
  keyId: string;
  fingerprint: string;
  algorithm: string;
  capabilities: string[];
  createdAt: string;
  expiresAt: string | null;
  revoked: boolean;
}

/** A provider (docs/design/publishing-baseline.md#providers): `name` is the provider type; only the description changes. */
export interface ProviderRecord extends RecordBase {
  name: string;
  description: string;
}

/** One published platform of a version, as recorded after verification. */
export interface PlatformRecord {
  os: string;
  arch: string;
  filename: string;
  /** Lowercase hex sha256 of the zip (= SHA256SUMS line = zh: hash = OCI layer digest). */
  shasum: string;
  h1: string;
  size: number;
}

/** A provider version (docs/design/publishing-baseline.md#provider-versions, #drafts). */
export interface VersionRecord extends RecordBase {
  /** Provider type. */
  type: string;
  /** Canonical semver. */
  version: string;
  /** Resource id of the GPG key that must have signed SHA256SUMS. */
  gpgKeyId: string;
  /** Long key id of that key, denormalized for responses. */
  keyId: string;
  /** Protocol versions given at creation (docs/design/publishing-baseline.md#protocol-versions), used when the release carries no manifest. */
  requestedProtocols: string[] | null;
  status: VersionStatus;
  /** Every failed check of the last upload or publish, each naming the file and the check. */
  errorMessages: string[];
  /** The nonce the current upload URL carries; null once used (single-use URL). */
  uploadNonce: string | null;
  /** Set once uploaded. */
  protocols: string[];
  platforms: PlatformRecord[];
  shasums: string | null;
  shasumsFilename: string | null;
  publishedAt: string | null;
  /** Who created the version, then who published it (core/actor.ts); null = nobody named; absent in older records. */
  publishedBy?: string | null;
  /**
   * While an upload runs: when its lease ends unless the upload renews it (docs/fault-tolerance.md#leases).
   * A pending record whose lease ended belongs to no running upload: it reads as `errored`. Absent in
   * records written before leases existed.
   */
  leaseExpiresAt?: string | null;
  /**
   * The release about to be tagged, written just before the version tag is pushed: a tag that points at
   * `indexDigest` means this release is published, whatever the status says (docs/fault-tolerance.md#reconciling).
   */
  staged?: StagedRelease | null;
  /**
   * Set when the record was found uploaded by reconciling (the upload's own answer was a failure): the
   * documented retry (new upload URL, PUT of the same release) is still accepted, and answers 200.
   */
  recovered?: boolean;
}

/** What an `uploaded` record holds, written before the tag push (see VersionRecord.staged). */
export interface StagedRelease {
  /** Digest of the OCI index the version tag will point at. */
  indexDigest: string;
  protocols: string[];
  platforms: PlatformRecord[];
  shasums: string;
  shasumsFilename: string;
}

/**
 * Limits checked while a release streams in: a gzip bomb is refused, never expanded into
 * memory or disk. Every size is in bytes.
 */
export interface PublishLimits {
  /** Compressed request body (the .tar.gz, or one draft file). */
  maxCompressedBytes: number;
  /** Everything gunzip produces (tar headers and all entries). */
  maxUncompressedBytes: number;
  /** One tar entry (one zip), and one zip's uncompressed content. */
  maxEntryBytes: number;
  /** Tar entries in one tarball. */
  maxEntries: number;
  /** SHA256SUMS, .sig, manifest.json, README.md, CHANGELOG.md: buffered in memory up to this size. */
  maxSmallFileBytes: number;
}

export const DEFAULT_PUBLISH_LIMITS: PublishLimits = {
  maxCompressedBytes: 2 * 1024 ** 3,
  maxUncompressedBytes: 4 * 1024 ** 3,
  maxEntryBytes: 1024 ** 3,
  maxEntries: 256,
  maxSmallFileBytes: 1024 ** 2,
};

/** What the publish use cases need: the read cache, the store scope, and these. */
export interface PublishDeps extends ReadContext, StoreScope {
  /** Seals single-use upload URLs (upload-tokens.ts). */
  tokens: SealedTokens;
  /** Directory for spooled zips. */
  tmpDir: string;
  /** External base URL, ending with "/" (upload links are absolute). */
  publicUrl: URL;
  limits: PublishLimits;
  /** Lifetime of upload URLs, seconds (default 3600). */
  uploadTtl: number;
  /** In-process serialization per version / namespace (see keyed-lock.ts for the cross-replica window). */
  locks: KeyedLock;
  /** Clock, injectable for tests. */
  now: () => Date;
  /** Seconds an upload's lease lasts unless renewed (docs/fault-tolerance.md#leases). */
  uploadLease: number;
  /** Claims across replicas (core/store-claim.ts): ms between writing a claim and reading the others. */
  claimSettleMs: number;
  /** Inspects a spooled zip (h1 hash, entries): a worker-thread pool's (services.ts), or in-thread when absent. */
  inspectZip?: (path: string, options: ZipInspectOptions) => Promise<ZipInspection>;
}
