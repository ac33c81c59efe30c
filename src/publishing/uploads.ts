// PUT <upload URL>: the second step of the publish flow of docs/design/publishing-baseline.md#publishing-a-provider-version. Opens the single-use token, consumes its
// nonce in the version record BEFORE reading the body (so the URL cannot be replayed, even concurrently
// on another replica once the record is written), streams the tarball in (tarball-ingest.ts), verifies
// and publishes it (complete-release.ts). Answers with the final status: the uploaded version, or 413 /
// 422 listing every failed check, which are also recorded on the version.
import type { Readable } from 'node:stream';
import { AppError } from '../core/app-error.js';
import { callOpts, type Caller } from '../core/caller.js';
import { LimitExceededError, UploadInterruptedError } from '../core/byte-limit.js';
import { completeRelease, failVersion, outcomeError } from './complete-release.js';
import type { PublishContext } from './context.js';
import type { CollectedRelease } from './release-files.js';
import { ingestTarball } from './tarball-ingest.js';
import type { VersionRecord } from './types.js';
import { storeError } from '../core/store-errors.js';
import { openUploadToken } from './upload-tokens.js';
import { loadVersion, saveVersion } from './version-records.js';
import { repositoryOf } from './version-removal.js';

export interface UploadBody {
  stream: Readable;
  contentLength?: number;
}

function busy(): never {
  throw new AppError('CONFLICT', 'an upload or publish of this version is already in progress');
}

/**
 * Streams the release and publishes it. 403 for an expired or forged URL, 404 when the version was
 * deleted, 409 when the URL was used already, the version is uploaded, or another upload is running.
 */
export async function uploadRelease(ctx: PublishContext, token: string, body: UploadBody, signal?: AbortSignal): Promise<VersionRecord> {
  const grant = openUploadToken(ctx, token, signal);
  const caller: Caller = grant.caller;
  return ctx.deps.locks.tryRun(
    `version|${grant.versionId}`,
    async () => {
      const stored = await loadVersion(ctx, grant.versionId, caller).catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'NOT_FOUND')
          throw new AppError('NOT_FOUND', `provider version ${grant.versionId} was deleted; create it again`);
        throw err;
      });
      const v = stored.data;
      if (v.status === 'uploaded') throw new AppError('CONFLICT', `version ${v.version} of ${v.namespace}/${v.type} is already uploaded`);
      if (v.uploadNonce !== grant.nonce) {
        throw new AppError(
          'CONFLICT',
          `this upload URL has already been used; get a new one with POST /api/v1/provider-versions/${v.id}/upload-url`,
        );
      }
      const consumed = await saveVersion(ctx, { ...v, uploadNonce: null, status: 'pending', errorMessages: [] }, caller);

      let collected: CollectedRelease;
      try {
        collected = await ingestTarball({
          body: body.stream,
          ...(body.contentLength !== undefined ? { contentLength: body.contentLength } : {}),
          limits: ctx.deps.limits,
          target: {
            store: ctx.deps.store,
            repository: repositoryOf(ctx, v),
            type: v.type,
            version: v.version,
            tmpDir: ctx.deps.tmpDir,
            maxEntryBytes: ctx.deps.limits.maxEntryBytes,
            opts: callOpts(caller),
          },
        });
      } catch (err) {
        if (err instanceof LimitExceededError) {
          await failVersion(ctx, consumed.data, [`${err.message} (size limit check)`], caller);
          throw new AppError('PAYLOAD_TOO_LARGE', `${err.message} (size limit check)`, { headers: { Connection: 'close' } });
        }
        const message =
          err instanceof UploadInterruptedError
            ? `the upload was interrupted: ${err.message}`
            : `the upload failed: ${(err as Error).message}`;
        // Recorded even though the client is gone (its signal aborted): otherwise the version stays
        // `pending` for ever (a server shutdown cuts uploads this way too, docs/operations.md#shutdown).
        const recorder: Caller = {
          principal: caller.principal,
          ...(caller.credential ? { credential: caller.credential } : {}),
          ...(caller.label !== undefined ? { label: caller.label } : {}),
        };
        await failVersion(ctx, consumed.data, [message], recorder).catch(() => undefined);
        if (err instanceof UploadInterruptedError) throw new AppError('BAD_REQUEST', message, { cause: err });
        throw storeError(err, ctx.deps);
      }
      const record = await completeRelease(ctx, consumed, collected, caller);
      const refused = outcomeError(record);
      if (refused) throw refused;
      return record;
    },
    busy,
  );
}
