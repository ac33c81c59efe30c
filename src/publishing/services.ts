// The publishing use cases bound to their dependencies: the only surface the /api/v1 routes see (they
// never touch the OCI store). One instance per process; all state is in the store, so any number of
// replicas can serve the API (see keyed-lock.ts and push-release.ts for the cross-replica windows).
import type { Readable } from 'node:stream';
import type { Caller } from '../core/caller.js';
import type { StoreScope } from '../core/scope.js';
import type { SealedTokens } from '../core/sealed-token.js';
import type { ReadContext } from '../read-cache/read-context.js';
import type { PublishContext } from './context.js';
import type { Attributes } from '../core/attributes.js';
import { listDraftFiles, publishDraft, putDraftFile } from './drafts.js';
import { createGpgKey, deleteGpgKey, getGpgKey, listGpgKeys, updateGpgKey } from './gpg-keys.js';
import { KeyedLock } from '../core/keyed-lock.js';
import {
  createVersion,
  deleteVersion,
  getVersion,
  listVersions,
  renewUploadUrl,
  versionKeyWarnings,
  type Relationships,
} from './provider-versions.js';
import { openUploadToken } from './upload-tokens.js';
import type { PublishDeps, VersionRecord } from './types.js';
import { createProvider, deleteProvider, getProvider, listProviders, updateProvider } from './providers.js';
import { createRecordStore } from '../core/record-store.js';
import { DEFAULT_PUBLISH_LIMITS, type PublishLimits } from './types.js';
import { sweepSpool, uploadRelease, type UploadBody } from './uploads.js';
import { InspectWorkerGone, ZipInspectPool } from '../verify/zip-inspect-pool.js';
import { inspectZip } from '../verify/zip-inspect.js';

export interface PublishServiceDeps extends ReadContext, StoreScope {
  tmpDir: string;
  tokens: SealedTokens;
  /** External base URL, ending with "/". */
  publicUrl: URL;
  limits?: Partial<PublishLimits>;
  /** Upload URL lifetime, seconds (default 3600). */
  uploadTtl?: number;
  /** Clock for record timestamps and key-expiry warnings (tests). */
  now?: () => Date;
  /** Seconds an upload's lease lasts unless renewed (default 300; docs/fault-tolerance.md#leases). */
  uploadLease?: number;
  /** Claim settle time across replicas, ms (default 1500; docs/fault-tolerance.md#claims). */
  claimSettleMs?: number;
  /** Worker threads inspecting spooled zips off the main thread (default 1; 0 = on the main thread). */
  zipInspectWorkers?: number;
}

/**
 * The zip inspection of the publish paths: a worker pool (idle workers end and hold nothing), or none. A
 * worker that died mid-job (never the zip's fault) is not a failed publish: that zip is inspected here.
 */
function inspector(workers: number): Pick<PublishDeps, 'inspectZip'> {
  if (workers <= 0) return {};
  const pool = new ZipInspectPool({ size: workers });
  return {
    inspectZip: (path, options) =>
      pool.inspect(path, options).catch((err: unknown) => {
        if (err instanceof InspectWorkerGone) return inspectZip(path, options);
        throw err;
      }),
  };
}

export function createPublishServices(input: PublishServiceDeps) {
  const deps = {
    ...input,
    limits: { ...DEFAULT_PUBLISH_LIMITS, ...input.limits },
    uploadTtl: input.uploadTtl ?? 3600,
    locks: new KeyedLock(),
    now: input.now ?? (() => new Date()),
    uploadLease: input.uploadLease ?? 300,
    claimSettleMs: input.claimSettleMs ?? 1500,
    ...inspector(input.zipInspectWorkers ?? 1),
  };
  const ctx: PublishContext = { deps, records: createRecordStore(deps) };
  // Spooled zips a crashed process left behind (docs/fault-tolerance.md#temp-files).
  void sweepSpool(ctx);
  return {
    /** Removes spooled zips no upload touched for a lease (docs/fault-tolerance.md#temp-files). */
    sweepTemp: () => sweepSpool(ctx).catch(() => undefined),
    createGpgKey: (attrs: Attributes, caller: Caller) => createGpgKey(ctx, attrs, caller),
    listGpgKeys: (filter: { namespace?: string }, caller: Caller) => listGpgKeys(ctx, filter, caller),
    getGpgKey: (id: string, caller: Caller) => getGpgKey(ctx, id, caller),
    updateGpgKey: (id: string, attrs: Attributes, caller: Caller) => updateGpgKey(ctx, id, attrs, caller),
    deleteGpgKey: (id: string, caller: Caller) => deleteGpgKey(ctx, id, caller),

    createProvider: (attrs: Attributes, caller: Caller) => createProvider(ctx, attrs, caller),
    listProviders: (filter: { namespace?: string }, caller: Caller) => listProviders(ctx, filter, caller),
    getProvider: (id: string, caller: Caller) => getProvider(ctx, id, caller),
    updateProvider: (id: string, attrs: Attributes, caller: Caller) => updateProvider(ctx, id, attrs, caller),
    deleteProvider: (id: string, opts: { cascade: boolean }, caller: Caller) => deleteProvider(ctx, id, opts, caller),

    createVersion: (attrs: Attributes, rels: Relationships, caller: Caller) => createVersion(ctx, attrs, rels, caller),
    listVersions: (filter: { provider?: string; namespace?: string }, caller: Caller) => listVersions(ctx, filter, caller),
    getVersion: (id: string, caller: Caller) => getVersion(ctx, id, caller),
    deleteVersion: (id: string, caller: Caller) => deleteVersion(ctx, id, caller),
    renewUploadUrl: (id: string, caller: Caller) => renewUploadUrl(ctx, id, caller),

    /** PUT <upload URL>: the token is the authority (no caller; the token carries the creator's). */
    uploadRelease: (token: string, body: UploadBody, signal?: AbortSignal) => uploadRelease(ctx, token, body, signal),
    /** Expiry warnings of the key a version must be signed with (docs/publishing.md#key-expiry). */
    versionKeyWarnings: (record: VersionRecord, caller: Caller) => versionKeyWarnings(ctx, record, caller),
    /** The caller an upload token carries (its creator), read before the upload consumes it. */
    uploadCaller: (token: string, signal?: AbortSignal) => openUploadToken(ctx, token, signal).caller,
    putDraftFile: (id: string, filename: string, body: { stream: Readable; contentLength?: number }, caller: Caller) =>
      putDraftFile(ctx, id, filename, body, caller),
    listDraftFiles: (id: string, caller: Caller) => listDraftFiles(ctx, id, caller),
    publishDraft: (id: string, caller: Caller) => publishDraft(ctx, id, caller),

    registryHostname: deps.registryHostname,
    limits: deps.limits,
  };
}

export type PublishServices = ReturnType<typeof createPublishServices>;
