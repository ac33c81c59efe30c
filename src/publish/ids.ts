// Resource ids of the publishing API and the record tags they map to. Ids are DERIVED from each record's
// natural key, so they need no database, survive restarts and are the same on every replica:
//
//   gpg-keys           gpg-<namespace>.<fingerprint, 40 lowercase hex>   gpg-acme.3f2a…9c01
//   providers          prv-<namespace>.<type>                            prv-acme.foo
//   provider-versions  ver-<namespace>.<type>.<version tag>              ver-acme.foo.1.2.0-rc.1_b.7
//
// Namespaces and types hold only [a-z0-9-] (Terraform naming rules) and never a ".", so the first dots
// split an id unambiguously; the version tag is the version with "+" written "_" (as OpenTofu tags it,
// protocols.md §1.2). Every id is URL-safe as is (RFC 3986 unreserved characters).
//
// Record tags in <prefix>/records (an OCI tag is [A-Za-z0-9_][A-Za-z0-9._-]{0,127}):
//
//   gpg-key.<namespace>.<fingerprint>      provider.<namespace>.<type>      version.<namespace>.<type>.<tag>
//
// A tag longer than 128 characters is shortened to `<kind>.<namespace>.sha_<40 hex of sha256(full tag)>`:
// "_" cannot occur in a type, so the short form never collides with a full one, and the namespace prefix
// still lets a listing filter by namespace. The record itself always holds the real fields.
import { createHash } from 'node:crypto';
import { AppError } from '../errors.js';
import { normalizeProviderNamespace, normalizeProviderType, tagToVersion, versionToTag } from '../layout/names.js';
import { TAG_RE } from '../oci/types.js';

/** Kinds of records in `<prefix>/records`; 'module' and 'module-version' belong to src/modules/. */
export type RecordKind = 'gpg-key' | 'provider' | 'version' | 'module' | 'module-version';

export interface ProviderKey {
  namespace: string;
  type: string;
}

export interface VersionKey extends ProviderKey {
  version: string;
}

export interface GpgKeyKey {
  namespace: string;
  fingerprint: string;
}

function notFound(what: string, id: string): AppError {
  return new AppError('NOT_FOUND', `no ${what} with id ${JSON.stringify(id)}`);
}

/** Splits `<prefix><a>.<b>[.<rest>]` into its parts, or null. */
function split(id: string, prefix: string, parts: 2 | 3): string[] | null {
  if (!id.startsWith(prefix)) return null;
  const body = id.slice(prefix.length);
  const first = body.indexOf('.');
  if (first <= 0) return null;
  if (parts === 2) return [body.slice(0, first), body.slice(first + 1)];
  const second = body.indexOf('.', first + 1);
  if (second <= first + 1) return null;
  return [body.slice(0, first), body.slice(first + 1, second), body.slice(second + 1)];
}

function valid<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}

export function gpgKeyId(k: GpgKeyKey): string {
  return `gpg-${k.namespace}.${k.fingerprint.toLowerCase()}`;
}

/** Parses a gpg-key id; 404 for anything that cannot name a key. */
export function parseGpgKeyId(id: string): GpgKeyKey {
  const p = split(id, 'gpg-', 2);
  const ns = p && valid(() => normalizeProviderNamespace(p[0] as string));
  if (!p || ns !== p[0] || !/^[0-9a-f]{40}$/.test(p[1] as string)) throw notFound('GPG key', id);
  return { namespace: ns, fingerprint: (p[1] as string).toUpperCase() };
}

export function providerId(k: ProviderKey): string {
  return `prv-${k.namespace}.${k.type}`;
}

export function parseProviderId(id: string): ProviderKey {
  const p = split(id, 'prv-', 2);
  const ns = p && valid(() => normalizeProviderNamespace(p[0] as string));
  const type = p && valid(() => normalizeProviderType(p[1] as string));
  if (!p || ns !== p[0] || type !== p[1]) throw notFound('provider', id);
  return { namespace: ns, type };
}

export function versionId(k: VersionKey): string {
  return `ver-${k.namespace}.${k.type}.${versionToTag(k.version)}`;
}

export function parseVersionId(id: string): VersionKey {
  const p = split(id, 'ver-', 3);
  const ns = p && valid(() => normalizeProviderNamespace(p[0] as string));
  const type = p && valid(() => normalizeProviderType(p[1] as string));
  const version = p && tagToVersion(p[2] as string);
  if (!p || ns !== p[0] || type !== p[1] || !version || versionToTag(version) !== p[2]) throw notFound('provider version', id);
  return { namespace: ns, type, version };
}

/** A tag from dot-joined parts, shortened when over the OCI limit (see the header). */
export function recordTag(kind: RecordKind, namespace: string, rest: string): string {
  const full = `${kind}.${namespace}.${rest}`;
  if (TAG_RE.test(full)) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 40);
  return `${kind}.${namespace}.sha_${hash}`;
}

export const gpgKeyTag = (k: GpgKeyKey): string => recordTag('gpg-key', k.namespace, k.fingerprint.toLowerCase());
export const providerTag = (k: ProviderKey): string => recordTag('provider', k.namespace, k.type);
export const versionTag = (k: VersionKey): string => recordTag('version', k.namespace, `${k.type}.${versionToTag(k.version)}`);

/**
 * Tag prefixes that can hold records of `kind` in `namespace` (and, for versions, of provider `type`):
 * the full-form prefix and the short (hashed) form. A listing keeps tags starting with any of them and
 * then filters on the record's own fields.
 */
export function tagPrefixes(kind: RecordKind, namespace?: string, type?: string): string[] {
  if (namespace === undefined) return [`${kind}.`];
  if (type === undefined) return [`${kind}.${namespace}.`];
  return [`${kind}.${namespace}.${type}.`, `${kind}.${namespace}.sha_`];
}

/** The non-semver tag of a version's draft manifest in the provider repository (ignored by tofu). */
export function draftTag(version: string): string {
  const full = `draft.${versionToTag(version)}`;
  if (TAG_RE.test(full)) return full;
  return `draft.sha_${createHash('sha256').update(full).digest('hex').slice(0, 40)}`;
}
