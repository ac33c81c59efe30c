// Use cases of the `provider-versions` resource (docs/design/publishing-baseline.md#publishing-a-provider-version step 1,
// #creating-the-version, #protocol-versions): create a pending version bound to a provider
// and a GPG key of the same namespace and hand back a single-use upload URL; read and list with status,
// platforms, SHA256SUMS and protocols; delete everywhere; issue a fresh upload URL for a retry.
import semverCompare from 'semver/functions/compare.js';
import { AppError } from '../core/app-error.js';
import { canonicalVersion, providerRepository, versionToTag } from '../layout/names.js';
import { isOciError } from '../oci/errors.js';
import { callOpts, type Caller } from '../core/caller.js';
import { actorName } from '../core/actor.js';
import { nowIso, type PublishContext } from './context.js';
import { byCodeUnit, invalid, onlyAttributes, requiredString, type Attributes } from '../core/attributes.js';
import { keyWarnings, loadGpgKey } from './gpg-keys.js';
import { parseProviderId, parseVersionId, versionId, versionTag } from './ids.js';
import { loadProvider } from './providers.js';
import { storeError } from '../core/store-errors.js';
import type { VersionRecord } from './types.js';
import { newNonce, uploadUrl } from './upload-tokens.js';
import { listVersionRecords, loadVersion, saveVersion } from './version-records.js';
import { removeVersion } from './version-removal.js';
import { leaseHeld, settleVersion } from './version-state.js';
import { claim } from '../core/store-claim.js';
import { mapLimit } from '../core/map-limit.js';

export interface VersionView {
  version: VersionRecord;
  /** Only right after creation or a new upload URL: the single-use URL to PUT the .tar.gz to. */
  uploadUrl?: string;
  /** About the signing key: expired or expiring within 30 days (create, upload, publish answers). */
  warnings?: string[];
}

/** JSON:API relationships of a request, unchecked. */
export type Relationships = Record<string, unknown>;

/**
 * Plugin protocol versions: "5", "5.0", "6.1"... Terraform/OpenTofu speak protocol 5 and 6
 * (`SupportedPluginProtocols = ">= 5, <7"`, docs/design/protocols.md §4.3), so other majors are refused.
 */
export function parseProtocols(value: unknown, member: string): string[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid(member, `"protocols" must be a non-empty array such as ["5.0", "6.0"]`);
  const out: string[] = [];
  for (const p of value) {
    const m = typeof p === 'string' ? /^([56])(?:\.(0|[1-9][0-9]{0,3}))?$/.exec(p) : null;
    if (!m)
      throw invalid(
        member,
        `protocol version ${JSON.stringify(p)} is not supported: providers speak plugin protocol 5.x or 6.x (e.g. "5.0")`,
      );
    const v = `${m[1]}.${m[2] ?? '0'}`;
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

function relationshipId(rels: Relationships, name: string, type: string): string {
  const member = `/data/relationships/${name}`;
  const rel = rels[name] as { data?: { type?: unknown; id?: unknown } } | undefined;
  const data = rel?.data;
  if (!data || typeof data !== 'object') throw invalid(member, `relationship "${name}" is required: {"data":{"type":"${type}","id":"…"}}`);
  if (data.type !== type) throw invalid(`${member}/data/type`, `relationship "${name}" must have type "${type}"`);
  if (typeof data.id !== 'string' || data.id === '') throw invalid(`${member}/data/id`, `relationship "${name}" needs an id`);
  return data.id;
}

/** Loads a related resource, turning its 404 into a 404 that points at the relationship. */
async function related<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (err instanceof AppError && err.code === 'NOT_FOUND') {
      throw new AppError('NOT_FOUND', err.message, { source: { pointer: `/data/relationships/${name}/data/id` } });
    }
    throw err;
  }
}

/**
 * POST /provider-versions. 409 when the version exists as a record or as a tag in the provider's
 * repository (pushed by another tool), or is being created on another replica at the same moment (a
 * claim in the store decides: core/store-claim.ts, docs/fault-tolerance.md#claims). The GPG-key lock of
 * the namespace is held, so the key cannot be deleted between the check and the write (in this replica).
 */
export async function createVersion(ctx: PublishContext, attrs: Attributes, rels: Relationships, caller: Caller): Promise<VersionView> {
  onlyAttributes(attrs, ['version', 'protocols'], [], 'provider version');
  const raw = requiredString(attrs, 'version', 128);
  const version = canonicalVersion(raw);
  if (version === null)
    throw invalid('version', `version ${JSON.stringify(raw)} is not a canonical semantic version (e.g. 1.2.3, 1.2.3-rc.1; no "v" prefix)`);
  try {
    versionToTag(version);
  } catch (err) {
    throw invalid('version', (err as Error).message);
  }
  const protocols = attrs.protocols === undefined || attrs.protocols === null ? null : parseProtocols(attrs.protocols, 'protocols');
  const providerRef = relationshipId(rels, 'provider', 'providers');
  const keyRef = relationshipId(rels, 'gpg-key', 'gpg-keys');
  const provider = (await related('provider', () => loadProvider(ctx, providerRef, caller))).data;
  const { namespace, name: type } = provider;

  return ctx.deps.locks.run(`gpg-keys|${namespace}`, async () => {
    const key = (await related('gpg-key', () => loadGpgKey(ctx, keyRef, caller))).data;
    if (key.namespace !== namespace) {
      throw invalid(
        '/data/relationships/gpg-key/data/id',
        `GPG key ${key.id} belongs to namespace ${key.namespace}, but provider ${provider.id} is in ${namespace}`,
      );
    }
    const vkey = { namespace, type, version };
    const id = versionId(vkey);
    const exists = async (): Promise<void> => {
      const found = await ctx.records.get<VersionRecord>('version', versionTag(vkey), caller);
      if (!found) return;
      // What to do next depends on where that version stands (docs/publishing.md#the-publishing-api-step-by-step).
      const next =
        found.data.status === 'uploaded'
          ? `versions are immutable: publish a new version, or DELETE /api/v1/provider-versions/${id} first`
          : `its status is ${found.data.status}: to upload it again, POST /api/v1/provider-versions/${id}/upload-url for a fresh upload URL`;
      throw new AppError('CONFLICT', `provider ${namespace}/${type} already has version ${version} (${id}); ${next}`, {
        source: { pointer: '/data/attributes/version' },
      });
    };
    await exists();
    const held = await claim(
      { store: ctx.deps.store, prefix: ctx.deps.prefix, settleMs: ctx.deps.claimSettleMs, now: Date.now },
      `create|${id}`,
      caller,
    );
    if (!held)
      throw new AppError(
        'CONFLICT',
        `provider ${namespace}/${type} version ${version} is being created by another request right now (or was, by one that failed less than 30 s ago); try again shortly`,
        {
          source: { pointer: '/data/attributes/version' },
        },
      );
    try {
      await exists(); // again: a winner before us may have written it
      const view = await writeNewVersion(ctx, { key, vkey, id, protocols }, caller);
      return { ...view, warnings: keyWarnings(key, ctx.deps.now()) };
    } finally {
      await held.release();
    }
  });
}

interface NewVersion {
  key: { id: string; keyId: string };
  vkey: { namespace: string; type: string; version: string };
  id: string;
  protocols: string[] | null;
}

async function writeNewVersion(ctx: PublishContext, n: NewVersion, caller: Caller): Promise<VersionView> {
  const { key, vkey, id, protocols } = n;
  const { namespace, type, version } = vkey;
  {
    const repository = providerRepository(ctx.deps.prefix, ctx.deps.registryHostname, namespace, type);
    try {
      await ctx.deps.store.resolveManifest(repository, versionToTag(version), callOpts(caller));
      throw new AppError(
        'CONFLICT',
        `version ${version} already exists in the OCI repository ${repository} (pushed by another tool); delete it there first`,
        { source: { pointer: '/data/attributes/version' } },
      );
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (!isOciError(err, 'NOT_FOUND')) throw storeError(err, ctx.deps);
    }
    const now = nowIso(ctx);
    const nonce = newNonce();
    const record: VersionRecord = {
      id,
      namespace,
      type,
      version,
      gpgKeyId: key.id,
      keyId: key.keyId,
      requestedProtocols: protocols,
      status: 'pending',
      errorMessages: [],
      uploadNonce: nonce,
      protocols: protocols ?? [],
      platforms: [],
      shasums: null,
      shasumsFilename: null,
      publishedAt: null,
      publishedBy: actorName(caller),
      createdAt: now,
      updatedAt: now,
    };
    await ctx.records.put('version', versionTag(vkey), record, caller);
    return { version: record, uploadUrl: uploadUrl(ctx, id, nonce, caller) };
  }
}

/** The signing key's warnings for a version (its key deleted meanwhile: none). */
export async function versionKeyWarnings(ctx: PublishContext, record: VersionRecord, caller: Caller): Promise<string[]> {
  try {
    return keyWarnings((await loadGpgKey(ctx, record.gpgKeyId, caller)).data, ctx.deps.now());
  } catch (err) {
    if (err instanceof AppError && err.code === 'NOT_FOUND') return [];
    throw err;
  }
}

/** GET /provider-versions/:id: the record as it stands now (version-state.ts settles a stuck one). */
export async function getVersion(ctx: PublishContext, id: string, caller: Caller): Promise<VersionView> {
  return { version: (await settleVersion(ctx, await loadVersion(ctx, id, caller), caller)).data };
}

/** GET /provider-versions[?filter[provider]=id | filter[namespace]=ns], ordered by provider then semver. */
export async function listVersions(
  ctx: PublishContext,
  filter: { provider?: string; namespace?: string },
  caller: Caller,
): Promise<VersionView[]> {
  let where: { namespace?: string; type?: string } = {};
  if (filter.provider !== undefined) {
    const p = parseProviderId(filter.provider);
    where = { namespace: p.namespace, type: p.type };
  } else if (filter.namespace !== undefined) {
    where = { namespace: filter.namespace.toLowerCase() };
  }
  const all = await mapLimit(await listVersionRecords(ctx, caller, where), 8, (s) => settleVersion(ctx, s, caller));
  return all
    .map((s) => ({ version: s.data }))
    .sort(
      ({ version: a }, { version: b }) =>
        byCodeUnit(a.namespace, b.namespace) || byCodeUnit(a.type, b.type) || semverCompare(a.version, b.version),
    );
}

/** DELETE /provider-versions/:id: gone from every protocol, records and caches. */
export async function deleteVersion(ctx: PublishContext, id: string, caller: Caller): Promise<void> {
  parseVersionId(id);
  await ctx.deps.locks.tryRun(
    `version|${id}`,
    async () => {
      await removeVersion(ctx, await loadVersion(ctx, id, caller), caller);
    },
    () => {
      throw new AppError('CONFLICT', `version ${id} is being uploaded or published right now; try again when that finished`);
    },
  );
}

/**
 * POST /provider-versions/:id/upload-url: a new single-use URL (the previous one stops working), for a
 * retry after `errored`, an expired URL, or an upload cut short. 409 once the version is uploaded (except
 * a version found uploaded by reconciling, whose publisher was told its upload failed: the retry of the
 * same release then answers 200), and while an upload holds the version's lease (on any replica).
 */
export async function renewUploadUrl(ctx: PublishContext, id: string, caller: Caller): Promise<VersionView> {
  return ctx.deps.locks.tryRun(
    `version|${id}`,
    async () => {
      const stored = await settleVersion(ctx, await loadVersion(ctx, id, caller), caller);
      if (stored.data.status === 'uploaded' && !stored.data.recovered)
        throw new AppError('CONFLICT', `version ${stored.data.version} is already uploaded; delete it to publish it again`);
      if (stored.data.status === 'pending' && leaseHeld(stored.data, ctx.deps.now()))
        throw new AppError(
          'CONFLICT',
          `an upload of version ${stored.data.version} is running (its lease ends at ${stored.data.leaseExpiresAt}); wait for its answer`,
        );
      const nonce = newNonce();
      const saved = await saveVersion(ctx, { ...stored.data, uploadNonce: nonce }, caller);
      return { version: saved.data, uploadUrl: uploadUrl(ctx, id, nonce, caller) };
    },
    () => {
      throw new AppError('CONFLICT', `version ${id} is being uploaded or published right now`);
    },
  );
}
