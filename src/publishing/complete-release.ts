// The end of both publish paths (tarball upload, draft publish): verify what was collected, push it with
// the tag last, and record the outcome on the version: `uploaded` with platforms, SHA256SUMS and
// protocols, or `errored` with every failed check (docs/design/publishing-baseline.md#bundling-and-uploading: "the error message says which check
// failed"). The HTTP answer is derived from the record: see {@link outcomeError}.
import { AppError } from '../core/app-error.js';
import type { Caller } from '../core/caller.js';
import type { PublishContext } from './context.js';
import { byCodeUnit } from '../core/attributes.js';
import { loadGpgKey } from './gpg-keys.js';
import { pushRelease } from '../provider-store/push-release.js';
import type { Stored } from '../core/record-store.js';
import type { CollectedRelease } from './release-files.js';
import type { VersionRecord } from './types.js';
import { verifyRelease } from './verify-release.js';
import { saveVersion } from './version-records.js';
import { repositoryOf } from './version-removal.js';

/** Records `errored` with `messages` on the version. */
export async function failVersion(ctx: PublishContext, record: VersionRecord, messages: string[], caller: Caller): Promise<VersionRecord> {
  return (await saveVersion(ctx, { ...record, status: 'errored', errorMessages: messages }, caller)).data;
}

/** Verifies and publishes `collected` for version `stored`; returns the updated record (uploaded or errored). */
export async function completeRelease(
  ctx: PublishContext,
  stored: Stored<VersionRecord>,
  collected: CollectedRelease,
  caller: Caller,
): Promise<VersionRecord> {
  const v = stored.data;
  const key = (await loadGpgKey(ctx, v.gpgKeyId, caller)).data;
  const outcome = await verifyRelease(collected, {
    type: v.type,
    version: v.version,
    armoredKey: key.asciiArmor,
    requestedProtocols: v.requestedProtocols,
  });
  if (!outcome.ok) return failVersion(ctx, v, outcome.problems, caller);
  const { release } = outcome;
  await pushRelease(
    ctx.deps,
    {
      repository: repositoryOf(ctx, v),
      type: v.type,
      version: v.version,
      keyId: key.keyId,
      armoredKey: key.asciiArmor,
      release,
    },
    caller,
  );
  const updated: VersionRecord = {
    ...v,
    status: 'uploaded',
    errorMessages: [],
    uploadNonce: null,
    protocols: release.protocols,
    platforms: release.zips
      .map((z) => ({
        os: z.os,
        arch: z.arch,
        filename: z.filename,
        shasum: z.blob.digest.slice('sha256:'.length),
        h1: z.h1,
        size: z.blob.size,
      }))
      .sort((a, b) => byCodeUnit(a.filename, b.filename)),
    shasums: release.shasums.bytes.toString('utf8'),
    shasumsFilename: release.shasums.filename,
    publishedAt: ctx.deps.now().toISOString(),
  };
  return (await saveVersion(ctx, updated, caller)).data;
}

/** The error to answer with for an `errored` record: 422 listing every failed check (null when uploaded). */
export function outcomeError(record: VersionRecord): AppError | null {
  if (record.status !== 'errored') return null;
  const [first = 'verification failed', ...rest] = record.errorMessages;
  return new AppError('UNPROCESSABLE_ARTIFACT', first, { details: rest });
}
