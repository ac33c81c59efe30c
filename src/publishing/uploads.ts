// PUT <upload URL>: the second step of the publish flow of docs/design/publishing-baseline.md#publishing-a-provider-version.
// Opens the single-use token; claims it across replicas (core/store-claim.ts: exactly one request goes on
// with a URL, even when it reaches two replicas at once) and consumes its nonce in the version record
// BEFORE reading the body, holding an upload lease (upload-lease.ts) while it runs; streams the tarball in
// (tarball-ingest.ts), verifies and publishes it (complete-release.ts). Answers with the final status: the
// uploaded version; 413 / 422 listing every failed check of the release; 502/503/504 naming the registry
// when the OCI registry failed (docs/fault-tolerance.md): the version is then `errored` with that reason,
// and a new upload URL retries it. Spooled temp files are swept after every upload.
import type { Readable } from 'node:stream';
import { AppError } from '../core/app-error.js';
import { callOpts, type Caller } from '../core/caller.js';
import { LimitExceededError, UploadInterruptedError } from '../core/byte-limit.js';
import type { Stored } from '../core/record-store.js';
import { claim } from '../core/store-claim.js';
import { storeError } from '../core/store-errors.js';
import { sweepStaleFiles } from '../core/temp-sweep.js';
import { isOciError } from '../oci/errors.js';
import { completeRelease, outcomeError } from './complete-release.js';
import type { PublishContext } from './context.js';
import type { CollectedRelease } from './release-files.js';
import { ingestTarball } from './tarball-ingest.js';
import type { VersionRecord } from './types.js';
import { UploadLease } from './upload-lease.js';
import { openUploadToken, type UploadGrant } from './upload-tokens.js';
import { loadVersion } from './version-records.js';
import { repositoryOf } from './version-removal.js';
import { settleVersion } from './version-state.js';
import { SPOOL_PREFIX } from './zip-spool.js';

export interface UploadBody {
  stream: Readable;
  contentLength?: number;
}

function busy(): never {
  throw new AppError('CONFLICT', 'an upload or publish of this version is already in progress');
}

/** Deletes spooled zips no running upload touched within a lease (docs/fault-tolerance.md#temp-files). */
export async function sweepSpool(ctx: PublishContext): Promise<void> {
  const removed = await sweepStaleFiles(ctx.deps.tmpDir, [SPOOL_PREFIX], ctx.deps.uploadLease * 1000, Date.now());
  if (removed.length > 0) ctx.deps.logger.info({ dir: ctx.deps.tmpDir, files: removed.length }, 'stale spooled upload files removed');
}

/** The version as it stands now (settled: version-state.ts); 404 naming what to do when it was deleted. */
async function current(ctx: PublishContext, id: string, caller: Caller): Promise<Stored<VersionRecord>> {
  const stored = await loadVersion(ctx, id, caller).catch((err: unknown) => {
    if (err instanceof AppError && err.code === 'NOT_FOUND')
      throw new AppError('NOT_FOUND', `provider version ${id} was deleted; create it again`);
    throw err;
  });
  return settleVersion(ctx, stored, caller);
}

/** 409 unless `grant` may start an upload of `v`. */
function assertUsable(v: VersionRecord, grant: UploadGrant): void {
  // A recovered version (uploaded, found by reconciling) still takes the retry its publisher was told to make.
  if (v.status === 'uploaded' && !(v.recovered && v.uploadNonce === grant.nonce))
    throw new AppError('CONFLICT', `version ${v.version} of ${v.namespace}/${v.type} is already uploaded`);
  if (v.uploadNonce !== grant.nonce) {
    throw new AppError(
      'CONFLICT',
      `this upload URL has already been used; get a new one with POST /api/v1/provider-versions/${v.id}/upload-url`,
    );
  }
}

/** The record after a failed attempt: `errored` with `messages` (an uploaded one stays uploaded). */
function failed(v: VersionRecord, messages: string[]): VersionRecord {
  if (v.status === 'uploaded') return { ...v, uploadNonce: null };
  // `staged` stays: when the tag holds it after all, the next read says uploaded (version-state.ts).
  return { ...v, status: 'errored', errorMessages: messages };
}

/** A failure of the OCI registry, as the answer and the record's reason: never "internal error". */
function registryFailure(ctx: PublishContext, err: unknown, when: string): { error: AppError; message: string } {
  const error =
    err instanceof AppError || isOciError(err)
      ? storeError(err, ctx.deps)
      : new AppError('UPSTREAM_UNAVAILABLE', `the OCI registry at ${ctx.deps.store.describe} failed: ${(err as Error).message}`, {
          cause: err,
        });
  return {
    error,
    message: `${error.message} (registry failure ${when}, not a problem of the release: get a new upload URL and upload again)`,
  };
}

/**
 * Streams the release and publishes it. 403 for an expired or forged URL, 404 when the version was
 * deleted, 409 when the URL was used already (here or on another replica), the version is uploaded, or
 * another upload is running.
 */
export async function uploadRelease(ctx: PublishContext, token: string, body: UploadBody, signal?: AbortSignal): Promise<VersionRecord> {
  const grant = openUploadToken(ctx, token, signal);
  return ctx.deps.locks.tryRun(
    `version|${grant.versionId}`,
    async () => {
      try {
        return await runUpload(ctx, grant, body);
      } finally {
        await sweepSpool(ctx).catch(() => undefined);
      }
    },
    busy,
  );
}

async function runUpload(ctx: PublishContext, grant: UploadGrant, body: UploadBody): Promise<VersionRecord> {
  const caller: Caller = grant.caller;
  assertUsable((await current(ctx, grant.versionId, caller)).data, grant);
  // One request goes on with this URL across replicas; the others get 409 and push nothing.
  const held = await claim(
    { store: ctx.deps.store, prefix: ctx.deps.prefix, settleMs: ctx.deps.claimSettleMs, now: Date.now },
    `upload|${grant.versionId}|${grant.nonce}`,
    caller,
  );
  if (!held) throw new AppError('CONFLICT', 'this upload URL is being used by another request right now; it is single-use');
  let lease: UploadLease;
  try {
    const v = (await current(ctx, grant.versionId, caller)).data; // read again: a winner before us consumed it
    assertUsable(v, grant);
    // The lease records the outcome even when the client is gone (its signal aborted): otherwise a cut
    // upload (a client that left, or a server shutdown: docs/operations.md#shutdown) would wait for the
    // lease to run out before it says errored.
    const recorder: Caller = {
      principal: caller.principal,
      ...(caller.credential ? { credential: caller.credential } : {}),
      ...(caller.label !== undefined ? { label: caller.label } : {}),
    };
    lease = await UploadLease.take(
      ctx,
      v.status === 'uploaded'
        ? { ...v, uploadNonce: null }
        : { ...v, uploadNonce: null, status: 'pending', errorMessages: [], staged: null },
      recorder,
    );
  } finally {
    await held.release();
  }

  const end = async (record: VersionRecord): Promise<void> => {
    await lease.finish(record).catch((err: unknown) => {
      lease.abandon(); // the lease runs out; a read then says errored (version-state.ts)
      ctx.deps.logger.warn({ err, id: grant.versionId }, 'upload outcome not recorded');
    });
  };

  let collected: CollectedRelease;
  try {
    collected = await ingestTarball({
      body: body.stream,
      ...(body.contentLength !== undefined ? { contentLength: body.contentLength } : {}),
      limits: ctx.deps.limits,
      onSpool: (spool) => {
        lease.onRenew = () => spool.touch();
      },
      target: {
        store: ctx.deps.store,
        repository: repositoryOf(ctx, lease.record.data),
        type: lease.record.data.type,
        version: lease.record.data.version,
        tmpDir: ctx.deps.tmpDir,
        ...(ctx.deps.inspectZip ? { inspect: ctx.deps.inspectZip } : {}),
        maxEntryBytes: ctx.deps.limits.maxEntryBytes,
        opts: callOpts(caller),
      },
    });
  } catch (err) {
    const v = lease.record.data;
    if (err instanceof LimitExceededError) {
      await end(failed(v, [`${err.message} (size limit check)`]));
      throw new AppError('PAYLOAD_TOO_LARGE', `${err.message} (size limit check)`, { headers: { Connection: 'close' } });
    }
    if (err instanceof UploadInterruptedError) {
      const message = `the upload was interrupted: ${err.message}`;
      await end(failed(v, [message]));
      throw new AppError('BAD_REQUEST', message, { cause: err });
    }
    const { error, message } = registryFailure(ctx, err, 'while the release streamed in');
    await end(failed(v, [message]));
    throw error;
  }

  let record: VersionRecord;
  try {
    record = await completeRelease(ctx, lease.record, collected, caller, lease);
  } catch (err) {
    const v = lease.record.data;
    if (err instanceof AppError && err.status < 500) {
      await end(failed(v, [err.message]));
      throw err;
    }
    const { error, message } = registryFailure(ctx, err, 'while the release was stored');
    await end(failed(v, [message]));
    throw error;
  }
  const refused = outcomeError(record);
  if (refused) throw refused;
  return record;
}
