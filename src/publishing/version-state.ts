// What a provider version's record means now (docs/fault-tolerance.md#reconciling, #leases), decided on
// every read that acts on it, so a fault between two writes never leaves a version stuck:
//  - a record that staged a release whose index the version tag points at IS uploaded (the fault came
//    after the tag push, before the record said so);
//  - a `pending` record whose upload lease ran out belongs to no running upload (the replica running it
//    died or was cut off): it is `errored`, with the reason, and a new upload URL retries it.
// The settled record is written back when no upload holds the lease (best effort: a read never fails
// because the write-back did); the answer is the settled record either way.
import { isOciError } from '../oci/errors.js';
import { versionToTag } from '../layout/names.js';
import { callOpts, type Caller } from '../core/caller.js';
import type { Stored } from '../core/record-store.js';
import { storeError } from '../core/store-errors.js';
import type { PublishContext } from './context.js';
import type { StagedRelease, VersionRecord } from './types.js';
import { saveVersion } from './version-records.js';
import { repositoryOf } from './version-removal.js';

/** True while an upload holds the version's lease. */
export function leaseHeld(v: VersionRecord, now: Date): boolean {
  return typeof v.leaseExpiresAt === 'string' && Date.parse(v.leaseExpiresAt) > now.getTime();
}

/** The record once `staged` is known to be published. */
export function uploadedFrom(v: VersionRecord, staged: StagedRelease, now: Date): VersionRecord {
  return {
    ...v,
    status: 'uploaded',
    errorMessages: [],
    uploadNonce: null,
    leaseExpiresAt: null,
    staged: null,
    protocols: staged.protocols,
    platforms: staged.platforms,
    shasums: staged.shasums,
    shasumsFilename: staged.shasumsFilename,
    publishedAt: v.publishedAt ?? now.toISOString(),
  };
}

/** The message of an upload whose lease ran out. */
export function leaseEndedMessage(v: VersionRecord): string {
  return (
    `the upload stopped before it finished: no server renewed its lease since ${v.leaseExpiresAt ?? 'it started'} ` +
    `(the server running it was stopped or killed, or lost the OCI registry); get a new upload URL with ` +
    `POST /api/v1/provider-versions/${v.id}/upload-url and upload again`
  );
}

async function tagDigest(ctx: PublishContext, v: VersionRecord, caller: Caller): Promise<string | null> {
  try {
    return (await ctx.deps.store.resolveManifest(repositoryOf(ctx, v), versionToTag(v.version), callOpts(caller))).digest;
  } catch (err) {
    if (isOciError(err, 'NOT_FOUND')) return null;
    throw storeError(err, ctx.deps);
  }
}

/** The record as it stands now (see the top of this file); written back when no upload holds it. */
export async function settleVersion(ctx: PublishContext, stored: Stored<VersionRecord>, caller: Caller): Promise<Stored<VersionRecord>> {
  const v = stored.data;
  if (v.status === 'uploaded') return stored;
  const now = ctx.deps.now();
  const held = leaseHeld(v, now);
  let settled: VersionRecord | null = null;
  if (v.staged && (await tagDigest(ctx, v, caller)) === v.staged.indexDigest) {
    // `recovered`: the publisher may never have heard of the success; a new upload URL is still given.
    settled = { ...uploadedFrom(v, v.staged, now), recovered: true };
  } else if (!held && v.status === 'pending' && typeof v.leaseExpiresAt === 'string') {
    settled = { ...v, status: 'errored', leaseExpiresAt: null, staged: null, errorMessages: [leaseEndedMessage(v)] };
  }
  if (settled === null) return stored;
  if (held) return { ...stored, data: settled }; // the running upload writes its own outcome
  try {
    return await saveVersion(ctx, settled, caller);
  } catch (err) {
    ctx.deps.logger.warn({ err, id: v.id }, 'settled version record not written back');
    return { ...stored, data: settled };
  }
}
