// Parses provider addresses and versions from request paths into normalized parts, once, at the boundary.
// Invalid parts become 404s naming the part: such a provider (or version) cannot exist here. Successful
// parses are memoized per deps (hostname normalization and semver parsing ran on every request before),
// under interned keys of their parts (src/core/key-interner.ts: distinct inputs never share a key).
import { AppError } from '../core/app-error.js';
import {
  canonicalVersion as layoutCanonicalVersion,
  normalizeHostname,
  normalizeProviderNamespace,
  normalizeProviderType,
  providerRepository,
  versionToTag,
} from '../layout/names.js';
import type { BoundedMap } from '../core/bounded-map.js';
import type { KeyInterner } from '../core/key-interner.js';

export interface ProviderAddress {
  hostname: string;
  namespace: string;
  type: string;
  /** `hostname/namespace/type`, for messages. */
  display: string;
}

/** An address and the repository it lives in. */
export interface ProviderLocation extends ProviderAddress {
  repository: string;
}

export function parseProviderAddress(hostname: string, namespace: string, type: string): ProviderAddress {
  try {
    const h = normalizeHostname(hostname);
    const ns = normalizeProviderNamespace(namespace);
    const t = normalizeProviderType(type);
    return { hostname: h, namespace: ns, type: t, display: `${h}/${ns}/${t}` };
  } catch (err) {
    throw new AppError('PROVIDER_NOT_FOUND', (err as Error).message, { cause: err });
  }
}

/** parseProviderAddress + its repository, memoized in `deps.parsed`. */
export function locateProvider(
  deps: { prefix: string; parsed: BoundedMap<string, unknown>; keys: KeyInterner },
  hostname: string,
  namespace: string,
  type: string,
): ProviderLocation {
  const key = deps.keys.key('provider', hostname, namespace, type);
  const hit = deps.parsed.get(key) as ProviderLocation | undefined;
  if (hit) return hit;
  const addr = parseProviderAddress(hostname, namespace, type);
  const loc = Object.freeze({ ...addr, repository: providerRepository(deps.prefix, addr.hostname, addr.namespace, addr.type) });
  deps.parsed.set(key, loc);
  return loc;
}

/** A version from a URL and its tag: canonical semver only (a `+build` part stays as is), memoized. */
export function parseVersion(
  deps: { parsed: BoundedMap<string, unknown>; keys: KeyInterner },
  raw: string,
): { version: string; tag: string } {
  const key = deps.keys.key('version', raw);
  const hit = deps.parsed.get(key) as { version: string; tag: string } | undefined;
  if (hit) return hit;
  const version = layoutCanonicalVersion(raw);
  if (version === null) throw new AppError('VERSION_NOT_FOUND', `"${raw}" is not a canonical semantic version (e.g. 1.2.3)`);
  let tag: string;
  try {
    tag = versionToTag(version);
  } catch (err) {
    throw new AppError('VERSION_NOT_FOUND', (err as Error).message, { cause: err });
  }
  const parsed = Object.freeze({ version, tag });
  deps.parsed.set(key, parsed);
  return parsed;
}
