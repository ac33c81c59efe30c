// Reading and writing provider-version records (shared by the key, provider, version, upload and draft
// use cases): by id, by provider, and the "which versions use this key" query behind `versions-count`
// and the key-delete guard (docs/design/publishing-baseline.md#gpg-keys).
import { AppError } from '../core/app-error.js';
import type { Caller } from '../core/caller.js';
import type { PublishContext } from './context.js';
import { tagPrefixes } from '../layout/records.js';
import { parseVersionId, versionTag, type VersionKey } from './ids.js';
import type { Stored } from '../core/record-store.js';
import type { VersionRecord } from './types.js';

/** The version with `id`, or 404. */
export async function loadVersion(ctx: PublishContext, id: string, caller: Caller): Promise<Stored<VersionRecord>> {
  const key = parseVersionId(id);
  const stored = await ctx.records.get<VersionRecord>('version', versionTag(key), caller);
  if (!stored) throw new AppError('NOT_FOUND', `no provider version with id ${JSON.stringify(id)}`);
  return stored;
}

/** Every version record in `namespace` (all namespaces when undefined), optionally of one provider type. */
export async function listVersionRecords(
  ctx: PublishContext,
  caller: Caller,
  filter: { namespace?: string; type?: string } = {},
): Promise<Array<Stored<VersionRecord>>> {
  const all = await ctx.records.list<VersionRecord>('version', tagPrefixes('version', filter.namespace, filter.type), caller);
  return all.filter(
    (r) =>
      (filter.namespace === undefined || r.data.namespace === filter.namespace) &&
      (filter.type === undefined || r.data.type === filter.type),
  );
}

/** Versions that reference the GPG key `gpgKeyId` (same namespace by construction). */
export async function versionsUsingKey(
  ctx: PublishContext,
  namespace: string,
  gpgKeyId: string,
  caller: Caller,
): Promise<Array<Stored<VersionRecord>>> {
  return (await listVersionRecords(ctx, caller, { namespace })).filter((v) => v.data.gpgKeyId === gpgKeyId);
}

/** Writes a version record back under its tag, stamping updatedAt. */
export async function saveVersion(ctx: PublishContext, record: VersionRecord, caller: Caller): Promise<Stored<VersionRecord>> {
  const key: VersionKey = { namespace: record.namespace, type: record.type, version: record.version };
  return ctx.records.put('version', versionTag(key), { ...record, updatedAt: ctx.deps.now().toISOString() }, caller);
}
