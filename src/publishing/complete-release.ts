// The end of both publish paths (tarball upload, draft publish): verify what was collected, push it with
// the tag last, and record the outcome on the version: `uploaded` with platforms, SHA256SUMS and
// protocols, or `errored` with every failed check (docs/design/publishing-baseline.md#bundling-and-uploading: "the error message says which check
// failed"). The HTTP answer is derived from the record: see {@link outcomeError}.
import { AppError } from '../core/app-error.js';
import type { Caller } from '../core/caller.js';
import { actorName } from '../core/actor.js';
import type { PublishContext } from './context.js';
import { byCodeUnit } from '../core/attributes.js';
import { loadGpgKey } from './gpg-keys.js';
import { pushRelease } from '../provider-store/push-release.js';
import type { Stored } from '../core/record-store.js';
import type { CollectedRelease } from './release-files.js';
import type { PlatformRecord, StagedRelease, VersionRecord } from './types.js';
import { verifyRelease } from './verify-release.js';
import { saveVersion } from './version-records.js';
import { repositoryOf } from './version-removal.js';
import { uploadedFrom } from './version-state.js';

/** Records `errored` with `messages` on the version. */
export async function failVersion(ctx: PublishContext, record: VersionRecord, messages: string[], caller: Caller): Promise<VersionRecord> {
  return (await saveVersion(ctx, { ...record, status: 'errored', errorMessages: messages, staged: null }, caller)).data;
}

/** How the outcome is written: in between (`save`) and at the end (`finish`); an upload holds a lease. */
export interface RecordWriter {
  save(record: VersionRecord): Promise<Stored<VersionRecord>>;
  finish(record: VersionRecord): Promise<Stored<VersionRecord>>;
}

export function plainWriter(ctx: PublishContext, caller: Caller): RecordWriter {
  const save = (record: VersionRecord) => saveVersion(ctx, record, caller);
  return { save, finish: save };
}

/**
 * Verifies and publishes `collected` for version `stored`; returns the updated record (uploaded or errored).
 * The last steps are idempotent (docs/fault-tolerance.md#reconciling): the record stages the release with
 * its index digest, then the tag is pushed (kept when it already holds that index), then the record says
 * `uploaded`. A fault between the tag and the last write is settled on the next read (version-state.ts).
 */
export async function completeRelease(
  ctx: PublishContext,
  stored: Stored<VersionRecord>,
  collected: CollectedRelease,
  caller: Caller,
  writer: RecordWriter = plainWriter(ctx, caller),
): Promise<VersionRecord> {
  const v = stored.data;
  const key = (await loadGpgKey(ctx, v.gpgKeyId, caller)).data;
  const outcome = await verifyRelease(collected, {
    type: v.type,
    version: v.version,
    armoredKey: key.asciiArmor,
    requestedProtocols: v.requestedProtocols,
  });
  if (!outcome.ok) {
    if (v.status === 'uploaded') throw new AppError('CONFLICT', `version ${v.version} is already uploaded; ${outcome.problems[0] ?? ''}`);
    return (await writer.finish({ ...v, status: 'errored', errorMessages: outcome.problems, staged: null })).data;
  }
  const { release } = outcome;
  const platforms: PlatformRecord[] = release.zips
    .map((z) => ({
      os: z.os,
      arch: z.arch,
      filename: z.filename,
      shasum: z.blob.digest.slice('sha256:'.length),
      h1: z.h1,
      size: z.blob.size,
    }))
    .sort((a, b) => byCodeUnit(a.filename, b.filename));
  let staged: StagedRelease | undefined;
  await pushRelease(
    ctx.deps,
    {
      repository: repositoryOf(ctx, v),
      type: v.type,
      version: v.version,
      keyId: key.keyId,
      armoredKey: key.asciiArmor,
      release,
      beforeTag: async (indexDigest) => {
        staged = {
          indexDigest,
          protocols: release.protocols,
          platforms,
          shasums: release.shasums.bytes.toString('utf8'),
          shasumsFilename: release.shasums.filename,
        };
        // An uploaded (recovered) record is not staged again: its tag decides (same index or 409).
        if (v.status !== 'uploaded') await writer.save({ ...v, staged });
      },
    },
    caller,
  );
  const updated = uploadedFrom(v, staged!, ctx.deps.now());
  return (
    await writer.finish({
      ...updated,
      recovered: false,
      publishedAt: v.status === 'uploaded' ? v.publishedAt : ctx.deps.now().toISOString(),
      publishedBy: v.status === 'uploaded' ? v.publishedBy : actorName(caller),
    })
  ).data;
}

/** The error to answer with for an `errored` record: 422 listing every failed check (null when uploaded). */
export function outcomeError(record: VersionRecord): AppError | null {
  if (record.status !== 'errored') return null;
  const [first = 'verification failed', ...rest] = record.errorMessages;
  return new AppError('UNPROCESSABLE_ARTIFACT', first, { details: rest });
}
