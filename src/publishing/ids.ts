// Resource ids of the publishing API and the record tags they map to. Ids are DERIVED from each record's
// natural key, so they need no database, survive restarts and are the same on every replica:
//
//   gpg-keys           gpg-<namespace>.<fingerprint, 40 lowercase hex>   gpg-acme.3f2a…9c01
//   providers          prv-<namespace>.<type>                            prv-acme.foo
//   provider-versions  ver-<namespace>.<type>.<version tag>              ver-acme.foo.1.2.0-rc.1_b.7
//
// Namespaces and types hold only [a-z0-9-] (Terraform naming rules) and never a ".", so the first dots
// split an id unambiguously; the version tag is the version with "+" written "_" (as OpenTofu tags it,
// docs/design/protocols.md §1.2). Every id is URL-safe as is (RFC 3986 unreserved characters).
//
// The record tag of each resource in <prefix>/records is drawn in src/layout/records.ts ("_" cannot occur
// in a type, so a shortened tag never collides with a full one). The record always holds the real fields.
import { AppError } from '../core/app-error.js';
import { normalizeProviderNamespace, normalizeProviderType, tagToVersion, versionToTag } from '../layout/names.js';
import { recordTag } from '../layout/records.js';

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

/**
 * Parses a gpg-key id; 404 for anything that cannot name a key, saying what the id looks like when the
 * caller tried a spelling people naturally try (gpg's upper-case fingerprint, a 16-digit key id).
 */
export function parseGpgKeyId(id: string): GpgKeyKey {
  const p = split(id, 'gpg-', 2);
  const ns = p && valid(() => normalizeProviderNamespace(p[0] as string));
  if (!p || ns !== p[0] || !/^[0-9a-f]{40}$/.test(p[1] as string)) throw gpgKeyNotFound(id);
  return { namespace: ns, fingerprint: (p[1] as string).toUpperCase() };
}

const GPG_ID_FORM = 'GPG key ids are gpg-<namespace>.<fingerprint: 40 hex digits, lower case>';

function gpgKeyNotFound(id: string): AppError {
  const upper = /^(gpg-[a-z0-9-]+\.)([0-9A-Fa-f]{40})$/.exec(id);
  if (upper)
    return new AppError(
      'NOT_FOUND',
      `no GPG key with id ${JSON.stringify(id)}: ${GPG_ID_FORM}, i.e. ${upper[1]}${upper[2]!.toLowerCase()}`,
    );
  const hex = /(?:^|\.)([0-9A-Fa-f]{16}|[0-9A-Fa-f]{40})$/.exec(id);
  const looks = hex ? ` (${hex[1]!.length === 16 ? 'a 16-digit key id' : 'a bare fingerprint'} is not one)` : '';
  return new AppError(
    'NOT_FOUND',
    `no GPG key with id ${JSON.stringify(id)}: ${GPG_ID_FORM}${looks}; GET /api/v1/gpg-keys?filter[namespace]=<namespace> lists them`,
  );
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

export const gpgKeyTag = (k: GpgKeyKey): string => recordTag('gpg-key', k.namespace, k.fingerprint.toLowerCase());
export const providerTag = (k: ProviderKey): string => recordTag('provider', k.namespace, k.type);
export const versionTag = (k: VersionKey): string => recordTag('version', k.namespace, `${k.type}.${versionToTag(k.version)}`);
