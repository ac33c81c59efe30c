// The data of the providers pages (docs/web.md#catalog), from the same use cases as the API and the
// protocols: publishing records (providers and versions published here), the store's catalog (providers
// pushed by other tools in OpenTofu's layout, mirrored providers) and mirror import records, merged by
// address. Versions of providers without records come from the network mirror use case (every stored
// version, signed or not).
import semverCompare from 'semver/functions/compare.js';
import semverValid from 'semver/functions/valid.js';
import type { Caller } from '../../core/caller.js';
import { isAppError } from '../../core/app-error.js';
import type { ProviderRow } from '../../web/views/providers.js';
import type { VersionRow } from '../../web/views/provider.js';
import type { WebDeps } from './web-request.js';

export interface Address {
  hostname: string;
  namespace: string;
  type: string;
}

const keyOf = (a: Address): string => `${a.hostname}/${a.namespace}/${a.type}`;

function sortVersions(list: readonly string[]): string[] {
  return [...list].filter((v) => semverValid(v)).sort(semverCompare);
}

/** Versions of a provider found in the store (no records): every stored version, its platforms. */
export async function storedVersions(deps: WebDeps, a: Address, caller: Caller, withPlatforms: 'all' | 'latest'): Promise<VersionRow[]> {
  let versions: string[];
  try {
    versions = sortVersions(await deps.services.mirrorIndex(a.hostname, a.namespace, a.type, caller));
  } catch (err) {
    if (isAppError(err) && err.status === 404) return [];
    throw err;
  }
  const rows: VersionRow[] = [];
  for (const [i, version] of versions.entries()) {
    let platforms: string[] = [];
    if (withPlatforms === 'all' || i === versions.length - 1) {
      try {
        platforms = Object.keys(await deps.services.mirrorVersion({ ...a, version }, caller)).sort();
      } catch {
        platforms = [];
      }
    }
    rows.push({
      id: undefined,
      version,
      status: 'stored',
      errors: [],
      platforms,
      protocols: [],
      keyId: undefined,
      publishedAt: null,
      publishedBy: undefined,
    });
  }
  return rows;
}

/** Every provider the catalog, the records and the imports know, for the list page. */
export async function providerRows(
  deps: WebDeps,
  caller: Caller,
  mayReadImports: boolean,
): Promise<{ rows: ProviderRow[]; notes: string[] }> {
  const notes: string[] = [];
  const rows = new Map<string, ProviderRow>();
  if (deps.publish) {
    const [providers, versions] = await Promise.all([deps.publish.listProviders({}, caller), deps.publish.listVersions({}, caller)]);
    for (const { provider: p } of providers) {
      const mine = versions
        .map((v) => v.version)
        .filter((v) => v.namespace === p.namespace && v.type === p.name && v.status === 'uploaded');
      const latest = mine.at(-1);
      const published = mine
        .map((v) => v.publishedAt)
        .filter((t): t is string => t !== null)
        .sort();
      const a = { hostname: deps.registryHostname, namespace: p.namespace, type: p.name };
      rows.set(keyOf(a), {
        ...a,
        origin: 'published',
        description: p.description,
        latest: latest?.version,
        versions: mine.length,
        platforms: latest ? latest.platforms.map((x) => `${x.os}_${x.arch}`) : [],
        lastPublished: published.at(-1) ?? null,
      });
    }
  }
  const found: Address[] = [];
  const catalog = await deps.catalog.providers(caller);
  if (catalog.note) notes.push(catalog.note);
  found.push(...catalog.entries);
  if (deps.mirror && mayReadImports) {
    try {
      for (const r of await deps.mirror.listImports(caller)) {
        for (const res of r.results) {
          const [hostname, namespace, type] = res.provider.split('/');
          if (hostname && namespace && type) found.push({ hostname, namespace, type });
        }
      }
    } catch {
      notes.push('the mirror import records could not be read');
    }
  }
  for (const a of found) {
    if (rows.has(keyOf(a))) continue;
    const versions = await storedVersions(deps, a, caller, 'latest').catch(() => [] as VersionRow[]);
    rows.set(keyOf(a), {
      ...a,
      origin: a.hostname === deps.registryHostname ? 'other tool' : 'mirrored',
      description: '',
      latest: versions.at(-1)?.version,
      versions: versions.length,
      platforms: versions.at(-1)?.platforms ?? [],
      lastPublished: null,
    });
  }
  return { rows: [...rows.values()].sort((x, y) => keyOf(x).localeCompare(keyOf(y))), notes };
}
