// Shapes of the module registry: the dependencies its use cases get, the upload limits, and the
// records the publishing API keeps for modules and module versions. Pure data; no I/O.
import type { KeyedLock } from '../core/keyed-lock.js';
import type { TicketDeps } from '../core/download-tickets.js';
import type { StoreScope } from '../core/scope.js';
import type { ReadContext } from '../read-cache/read-context.js';

/**
 * Limits checked while a module upload streams in, so a zip or gzip bomb is refused without being expanded
 * into memory or onto disk. Every size is in bytes.
 */
export interface ModuleLimits {
  /** The request body as sent (.zip or .tar.gz). */
  maxUploadBytes: number;
  /** Sum of the uncompressed sizes of every file of the module. */
  maxUnpackedBytes: number;
  /** One file of the module, uncompressed. */
  maxFileBytes: number;
  /** Entries of the archive (files and directories). */
  maxEntries: number;
}

export const DEFAULT_MODULE_LIMITS: ModuleLimits = {
  maxUploadBytes: 100 * 1024 ** 2,
  maxUnpackedBytes: 500 * 1024 ** 2,
  maxFileBytes: 100 * 1024 ** 2,
  maxEntries: 10_000,
};

/** What the module use cases need: the read cache, download tickets, the store scope, and these. */
export interface ModuleDeps extends ReadContext, TicketDeps, StoreScope {
  /** Directory for spooled uploads. */
  tmpDir: string;
  limits: ModuleLimits;
  /** In-process serialization per module version (the publishing API's lock; see keyed-lock.ts). */
  locks: KeyedLock;
  /** Clock, injectable for tests. */
  now: () => Date;
  /** Seconds an upload holds its version without renewing (`publish.upload_lease`; default 300). */
  uploadLease?: number;
  /** ms between writing a claim and reading the others (`publish.claim_settle_ms`; default 1500). */
  claimSettleMs?: number;
}

/** A module address, normalized (Terraform `regsrc` rules, layout/names.ts). */
export interface ModuleKey {
  namespace: string;
  name: string;
  system: string;
}

/** A module of the publishing API: the address and a description (the only thing that changes). */
export interface ModuleRecord extends ModuleKey {
  id: string;
  description: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * What the publishing API learnt about a version when it was published: facts the OCI manifest does not
 * carry. The OCI tag stays the truth; this record only enriches it, and only while `manifestDigest` is
 * still what the tag points at.
 */
export interface ModuleVersionRecord extends ModuleKey {
  version: string;
  /** Digest of the image manifest pushed under the version's tag. */
  manifestDigest: string;
  publishedAt: string;
  /** Who published it (core/actor.ts); null = nobody named; absent in older records. */
  publishedBy?: string | null;
  /** Files in the package and their total uncompressed size. */
  files: number;
  unpackedBytes: number;
  /** Root README.md, truncated to README_MAX_BYTES; null when absent. */
  readme: string | null;
  /** Names of the root module's `variable` and `output` blocks (a plain scan, see hcl-scan.ts). */
  inputs: string[];
  outputs: string[];
  /**
   * While an upload runs (`pending`, holding `leaseExpiresAt`) or after it failed (`errored`, with
   * `errorMessages`): the record of that attempt, which describes no manifest (`manifestDigest` empty).
   * Absent on the record of a published version. docs/fault-tolerance.md#module-versions
   */
  state?: 'pending' | 'errored';
  leaseExpiresAt?: string | null;
  errorMessages?: string[];
  /** The attempt holding the record (random): a stalled upload whose lease another took over stops. */
  uploadId?: string;
}

/** A version as the API shows it: from the OCI manifest, enriched by its record when there is one. */
export interface ModuleVersionView extends ModuleKey {
  version: string;
  /** The OCI tag (`+` written `_`). */
  tag: string;
  manifestDigest: string;
  /** sha256 hex of the module zip (= layer digest). */
  shasum: string;
  size: number;
  filename: string | null;
  /** False for versions pushed by another tool (no publish record). */
  published: boolean;
  publishedAt: string | null;
  /** Who published it; null when unknown (no record, an older record, or nobody named). */
  publishedBy: string | null;
  files: number | null;
  unpackedBytes: number | null;
  readme: string | null;
  inputs: string[] | null;
  outputs: string[] | null;
  /** `oci://<registry host>/<repository>?tag=<tag>` when the store is a remote registry. */
  ociAddress: string | null;
}

/** A module as the API shows it. */
export interface ModuleView {
  module: ModuleRecord;
  /** `<hostname>/<namespace>/<name>/<system>`: what goes into a module block's `source`. */
  source: string;
  /** The OCI repository holding the versions. */
  repository: string;
  /** `oci://<registry host>/<repository>` when the store is a remote registry (OpenTofu's oci:// source). */
  ociAddress: string | null;
}
