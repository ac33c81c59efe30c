// Use cases of the `gpg-keys` resource (docs/design/publishing-baseline.md#gpg-keys, #managing-gpg-keys): register a public key
// (fingerprint and key id extracted from the armor), list/read with the number of versions using it,
// rename/redescribe, delete unless a version still references it. Warnings flag keys that are expired or
// expire within 30 days; a key none of whose signing-capable (sub)keys is usable (revoked, expired) is refused.
import { AppError } from '../core/app-error.js';
import { normalizeProviderNamespace } from '../layout/names.js';
import type { Caller } from '../core/caller.js';
import { actorName } from '../core/actor.js';
import { isVerifyError } from '../verify/errors.js';
import { keyExpiryWarning, readPublicKey } from '../verify/gpg.js';
import { nowIso, type PublishContext } from './context.js';
import { invalid, normalized, onlyAttributes, optionalString, requiredString, type Attributes } from '../core/attributes.js';
import { tagPrefixes } from '../layout/records.js';
import { gpgKeyId, gpgKeyTag, parseGpgKeyId } from './ids.js';
import type { Stored } from '../core/record-store.js';
import type { GpgKeyRecord } from './types.js';
import { listVersionRecords, versionsUsingKey } from './version-records.js';

/** docs/design/publishing-baseline.md#gpg-keys: "letters, numbers, dashes, underscores and spaces". */
const KEY_NAME_RE = /^[A-Za-z0-9_\- ]{1,128}$/;

export interface GpgKeyView {
  key: GpgKeyRecord;
  versionsCount: number;
  /** Ids of the provider versions whose SHA256SUMS this key must sign. */
  versionIds: string[];
  warnings: string[];
}

/** The expiry that matters: of the last usable signing (sub)key (older records: the primary's). */
function signingExpiry(key: GpgKeyRecord): Date | null {
  const at = key.signingExpiresAt === undefined ? key.expiresAt : key.signingExpiresAt;
  return at === null ? null : new Date(at);
}

/** Expired or expiring within 30 days (docs/publishing.md#key-expiry). */
export function keyWarnings(key: GpgKeyRecord, now: Date): string[] {
  const w = keyExpiryWarning({ keyId: key.keyId, expiresAt: signingExpiry(key) }, now);
  return w === null ? [] : [w];
}

function warningsOf(ctx: PublishContext, key: GpgKeyRecord): string[] {
  return keyWarnings(key, ctx.deps.now());
}

function checkName(value: string): string {
  const name = value.trim();
  if (!KEY_NAME_RE.test(name))
    throw invalid('name', `key name ${JSON.stringify(value)} may hold only letters, digits, dashes, underscores and spaces (1-128)`);
  return name;
}

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

async function keysIn(ctx: PublishContext, namespace: string | undefined, caller: Caller): Promise<Array<Stored<GpgKeyRecord>>> {
  const all = await ctx.records.list<GpgKeyRecord>('gpg-key', tagPrefixes('gpg-key', namespace), caller);
  return all.filter((k) => namespace === undefined || k.data.namespace === namespace);
}

/** The key with `id`, or 404. */
export async function loadGpgKey(ctx: PublishContext, id: string, caller: Caller): Promise<Stored<GpgKeyRecord>> {
  const stored = await ctx.records.get<GpgKeyRecord>('gpg-key', gpgKeyTag(parseGpgKeyId(id)), caller);
  if (!stored) throw new AppError('NOT_FOUND', `no GPG key with id ${JSON.stringify(id)}`);
  return stored;
}

/**
 * POST /gpg-keys. 409 when the namespace already has a key with this fingerprint (naming it, docs/design/publishing-baseline.md
 * #uploading-a-key) or this name. Creates in one namespace are serialized in-process; two replicas
 * creating the same fingerprint at once both write the same tag (the later wins, nothing is lost).
 */
export async function createGpgKey(ctx: PublishContext, attrs: Attributes, caller: Caller): Promise<GpgKeyView> {
  onlyAttributes(attrs, ['namespace', 'name', 'description', 'ascii-armor'], [], 'GPG key');
  const namespace = normalized('namespace', () => normalizeProviderNamespace(requiredString(attrs, 'namespace', 64)));
  const name = checkName(requiredString(attrs, 'name', 128));
  const description = optionalString(attrs, 'description');
  const armor = requiredString(attrs, 'ascii-armor', 256 * 1024);
  let info: Awaited<ReturnType<typeof readPublicKey>>;
  try {
    info = await readPublicKey(armor, ctx.deps.now());
  } catch (err) {
    if (isVerifyError(err)) throw invalid('ascii-armor', err.message);
    throw err;
  }
  // A key that cannot sign now would only make every upload fail later (docs/publishing.md#key-expiry).
  if (info.signingProblem !== null) throw invalid('ascii-armor', info.signingProblem);
  const id = gpgKeyId({ namespace, fingerprint: info.fingerprint });
  return ctx.deps.locks.run(`gpg-keys|${namespace}`, async () => {
    const existing = await keysIn(ctx, namespace, caller);
    const same = existing.find((k) => k.data.fingerprint === info.fingerprint);
    if (same) {
      throw new AppError(
        'CONFLICT',
        `namespace ${namespace} already has a key with fingerprint ${info.fingerprint}: "${same.data.name}" (${same.data.id})`,
        { source: { pointer: '/data/attributes/ascii-armor' } },
      );
    }
    const named = existing.find((k) => sameName(k.data.name, name));
    if (named)
      throw new AppError('CONFLICT', `namespace ${namespace} already has a key named "${named.data.name}" (${named.data.id})`, {
        source: { pointer: '/data/attributes/name' },
      });
    const now = nowIso(ctx);
    const key: GpgKeyRecord = {
      id,
      namespace,
      name,
      description,
      asciiArmor: info.armored,
      fingerprint: info.fingerprint,
      keyId: info.keyId,
      algorithm: info.algorithm,
      expiresAt: info.expiresAt?.toISOString() ?? null,
      keyCreatedAt: info.createdAt.toISOString(),
      signingExpiresAt: info.signingExpiresAt?.toISOString() ?? null,
      capabilities: info.parts[0]!.capabilities,
      subkeys: info.parts.slice(1).map((p) => ({
        keyId: p.keyId,
        fingerprint: p.fingerprint,
        algorithm: p.algorithm,
        capabilities: p.capabilities,
        createdAt: p.createdAt.toISOString(),
        expiresAt: p.expiresAt?.toISOString() ?? null,
        revoked: p.revoked,
      })),
      createdAt: now,
      updatedAt: now,
      uploadedBy: actorName(caller),
    };
    await ctx.records.put('gpg-key', gpgKeyTag({ namespace, fingerprint: info.fingerprint }), key, caller);
    return { key, versionsCount: 0, versionIds: [], warnings: warningsOf(ctx, key) };
  });
}

/** GET /gpg-keys[?filter[namespace]=ns], each with its versions-count. */
export async function listGpgKeys(ctx: PublishContext, filter: { namespace?: string }, caller: Caller): Promise<GpgKeyView[]> {
  const namespace =
    filter.namespace === undefined
      ? undefined
      : normalized('/filter/namespace', () => normalizeProviderNamespace(filter.namespace as string));
  const [keys, versions] = await Promise.all([
    keysIn(ctx, namespace, caller),
    listVersionRecords(ctx, caller, namespace === undefined ? {} : { namespace }),
  ]);
  return keys.map(({ data }) => {
    const versionIds = versions.filter((v) => v.data.gpgKeyId === data.id).map((v) => v.data.id);
    return { key: data, versionsCount: versionIds.length, versionIds, warnings: warningsOf(ctx, data) };
  });
}

export async function getGpgKey(ctx: PublishContext, id: string, caller: Caller): Promise<GpgKeyView> {
  const { data } = await loadGpgKey(ctx, id, caller);
  const users = await versionsUsingKey(ctx, data.namespace, data.id, caller);
  return { key: data, versionsCount: users.length, versionIds: users.map((v) => v.data.id), warnings: warningsOf(ctx, data) };
}

/** PATCH /gpg-keys/:id: name and description only; the armor and everything derived from it are immutable. */
export async function updateGpgKey(ctx: PublishContext, id: string, attrs: Attributes, caller: Caller): Promise<GpgKeyView> {
  onlyAttributes(
    attrs,
    ['name', 'description'],
    ['ascii-armor', 'fingerprint', 'key-id', 'namespace', 'algorithm', 'expires-at'],
    'GPG key',
  );
  const { namespace } = parseGpgKeyId(id);
  return ctx.deps.locks.run(`gpg-keys|${namespace}`, async () => {
    const stored = await loadGpgKey(ctx, id, caller);
    const key = { ...stored.data };
    if (attrs.name !== undefined) {
      key.name = checkName(requiredString(attrs, 'name', 128));
      const named = (await keysIn(ctx, namespace, caller)).find((k) => k.data.id !== id && sameName(k.data.name, key.name));
      if (named)
        throw new AppError('CONFLICT', `namespace ${namespace} already has a key named "${named.data.name}" (${named.data.id})`, {
          source: { pointer: '/data/attributes/name' },
        });
    }
    if (attrs.description !== undefined) key.description = optionalString(attrs, 'description');
    key.updatedAt = nowIso(ctx);
    await ctx.records.put('gpg-key', stored.tag, key, caller);
    const users = await versionsUsingKey(ctx, namespace, id, caller);
    return { key, versionsCount: users.length, versionIds: users.map((v) => v.data.id), warnings: warningsOf(ctx, key) };
  });
}

/** DELETE /gpg-keys/:id: 409 while a version references the key (docs/design/publishing-baseline.md#replacing-or-deleting-a-key). */
export async function deleteGpgKey(ctx: PublishContext, id: string, caller: Caller): Promise<void> {
  const { namespace } = parseGpgKeyId(id);
  // The same lock as version creation in this namespace, so no version can start using the key meanwhile.
  await ctx.deps.locks.run(`gpg-keys|${namespace}`, async () => {
    const stored = await loadGpgKey(ctx, id, caller);
    const users = await versionsUsingKey(ctx, namespace, id, caller);
    if (users.length > 0) {
      const list = users
        .slice(0, 10)
        .map((v) => `${v.data.type} ${v.data.version}`)
        .join(', ');
      throw new AppError(
        'CONFLICT',
        `GPG key "${stored.data.name}" is still used by ${users.length} provider version(s) (${list}); delete those versions first`,
      );
    }
    await ctx.records.remove(stored, caller);
  });
}
