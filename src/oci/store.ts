// The storage port every OCI store implements: a remote Distribution registry (remote/) or a local OCI
// image-layout directory (layout-store.ts). Generic OCI operations only; nothing here knows Terraform.
// Modelled on oras-go's one-method interfaces (Fetcher, Pusher, Resolver, TagLister) folded into one port.
import type { Readable } from 'node:stream';
import type { Descriptor, Digest } from './types.js';

/** Credentials for one call, in oras-go's shape. An empty object means anonymous. */
export interface Credential {
  username?: string;
  password?: string;
  /** Used directly as `Authorization: Bearer` (no token exchange). */
  accessToken?: string;
  /** Exchanged at the token realm with the OAuth2 refresh_token grant (POST). */
  refreshToken?: string;
}

/** Per-call options: cancellation and the caller's credential (falls back to the store's own). */
export interface CallOptions {
  signal?: AbortSignal;
  credential?: Credential;
}

/**
 * How a blob GET checks the bytes it streams. `digest` (the default) hashes every byte and fails the
 * stream when the content does not match the digest. `size` only checks the byte count, for streams whose
 * RECEIVER verifies the content itself: provider and module zips handed to terraform/tofu, which check
 * them against the signed SHA256SUMS, the lock file's hashes or go-getter's checksum and refuse a
 * tampered zip. Hashing was half of the server's CPU on proxied downloads. Keep `digest` for anything
 * this server reads and trusts (metadata blobs, zips it hashes itself).
 */
export type BlobVerification = 'digest' | 'size';

/**
 * Who reads a blob stream. `download`: a client of this server (a download URL), at the client's pace:
 * a registry store serves it from a connection pool of its own, so that slow clients never take the
 * connections metadata reads need. `read`: this server itself (metadata blobs, hashing). Default:
 * `download` when verify is `size` (the receiver verifies: a client), else `read`.
 */
export type BlobPurpose = 'download' | 'read';

export interface BlobFetchOptions extends CallOptions {
  verify?: BlobVerification;
  purpose?: BlobPurpose;
}

/** A manifest read: its exact bytes (verified against digest and size) and its descriptor. */
export interface FetchedManifest {
  descriptor: Descriptor;
  bytes: Buffer;
}

/**
 * A blob read: a Node stream of exactly `size` bytes. The consumer must read or destroy it; a registry
 * store fails it (TIMEOUT) when no byte passes for its timeout, whether the registry or the reader stalls.
 */
export interface FetchedBlob {
  size: number;
  digest: Digest;
  body: Readable;
}

/** Where a blob can be fetched from directly, when the registry hands out redirects (S3, GCS, Azure). */
export interface BlobRedirect {
  location: string;
}

/**
 * Where a front proxy can fetch a blob itself (download offload, docs/mirror.md#download-offload): a path
 * relative to the store's root (registry: `v2/<repository>/blobs/<digest>` under the registry origin; layout
 * directory: `<repository>/blobs/sha256/<hex>` under the directory), and the Authorization the registry
 * accepted for it (null: anonymous, or a layout directory).
 */
export interface BlobLocation {
  path: string;
  authorization: string | null;
}

export interface BlobPushOptions extends CallOptions {
  /** Known digest: the upload is skipped when the blob exists, and the registry checks it. */
  digest?: Digest;
  /** Known size: checked against the bytes streamed. */
  size?: number;
  /** Largest accepted size when `size` is unknown; the stream is aborted past it. */
  maxSize?: number;
}

/** Options of a manifest delete. */
export interface DeleteManifestOptions extends CallOptions {
  /**
   * Tags known to point at the manifest. A registry store deletes each first
   * (`DELETE /v2/<name>/manifests/<tag>`, OCI distribution spec 1.1) where the registry supports it: some
   * registries (go-containerregistry's) keep serving tags whose manifest was deleted by digest
   * (docs/registries.md). A registry that refuses tag deletes (Distribution 2.8) drops the tags itself.
   */
  tags?: readonly string[];
}

export interface OciStore {
  /** A short, credential-free description for logs and /readyz (e.g. `http://127.0.0.1:5000`). */
  readonly describe: string;

  /** Checks the store is reachable (GET /v2/ for a registry). Resolves when it answers at all. */
  ping(opts?: CallOptions): Promise<void>;

  /** Every tag of a repository, following pagination. NOT_FOUND when the repository is unknown. */
  listTags(repository: string, opts?: CallOptions): Promise<string[]>;

  /** HEAD a manifest by tag or digest. NOT_FOUND when absent. */
  resolveManifest(repository: string, reference: string, opts?: CallOptions): Promise<Descriptor>;

  /** GET a manifest by tag or digest, verified (digest, size, 4 MiB cap). */
  fetchManifest(repository: string, reference: string, opts?: CallOptions): Promise<FetchedManifest>;

  /** PUT a manifest under a tag or its digest; returns its descriptor. */
  pushManifest(repository: string, reference: string, bytes: Buffer, mediaType: string, opts?: CallOptions): Promise<Descriptor>;

  /** DELETE a manifest by digest (registries drop every tag pointing at it), after `opts.tags`. */
  deleteManifest(repository: string, digest: Digest, opts?: DeleteManifestOptions): Promise<void>;

  /** HEAD a blob: its size, or null when absent. */
  statBlob(repository: string, digest: Digest, opts?: CallOptions): Promise<{ size: number } | null>;

  /** GET a blob as a stream, checked as `opts.verify` says (default: digest). NOT_FOUND when absent. */
  fetchBlob(repository: string, digest: Digest, opts?: BlobFetchOptions): Promise<FetchedBlob>;

  /**
   * Where the registry would redirect a GET of this blob (object storage), or null when it serves the
   * bytes itself. Never returns a location that embeds our credentials.
   */
  blobRedirect(repository: string, digest: Digest, opts?: CallOptions): Promise<BlobRedirect | null>;

  /** Uploads a blob from a stream or bytes; digest computed while streaming. */
  pushBlob(repository: string, source: Readable | Buffer, opts?: BlobPushOptions): Promise<Descriptor>;

  /** Cross-repository mount; false when the registry fell back to a plain upload session. */
  mountBlob(repository: string, digest: Digest, fromRepository: string, opts?: CallOptions): Promise<boolean>;

  /** DELETE a blob link from a repository. */
  deleteBlob(repository: string, digest: Digest, opts?: CallOptions): Promise<void>;

  /** Optional: where a front proxy can fetch this blob itself (BlobLocation). NOT_FOUND when absent. */
  blobLocation?(repository: string, digest: Digest, opts?: CallOptions): Promise<BlobLocation>;

  /**
   * Optional: the repository names under a path ("tf/providers"), sorted. A layout store walks its
   * directory; a registry store asks /v2/_catalog, which many registries refuse (docs/web.md#catalog).
   */
  listRepositories?(under: string, opts?: CallOptions): Promise<string[]>;
}

/** The calls of a store (every member but `describe`). */
export type StoreMethod = Exclude<keyof OciStore, 'describe'>;

/** Every call of a store, for wrappers that decorate each one (counting, metrics). */
export const STORE_METHODS: readonly StoreMethod[] = [
  'ping',
  'listTags',
  'resolveManifest',
  'fetchManifest',
  'pushManifest',
  'deleteManifest',
  'statBlob',
  'fetchBlob',
  'blobRedirect',
  'pushBlob',
  'mountBlob',
  'deleteBlob',
];
