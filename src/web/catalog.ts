// The catalog of what the store holds (docs/web.md#catalog): the provider and module repositories found by
// listing the store, where the store can list. An image-layout store walks its directory
// (oci/layout-store/list-repositories.ts); a registry store asks GET /v2/_catalog (distribution-spec
// "Listing Repositories") when the wiring gives a lister for it. Registries that forbid `_catalog` (GHCR,
// ECR with a narrow policy, Harbor for non-admins) give nothing here: the pages then list what the
// records say (providers and modules published through this server) and what mirror imports recorded,
// and say that the listing is partial. The catalog is read on demand, never stored.
import { callOpts, type Caller } from '../core/caller.js';
import { componentToHostname } from '../layout/names.js';
import type { CallOptions } from '../oci/store.js';

/** Lists repository names under a path of the store ("tf/providers"), or throws (OciStore.listRepositories). */
export type RepositoryLister = (under: string, opts?: CallOptions) => Promise<string[]>;

export interface CatalogProvider {
  hostname: string;
  namespace: string;
  type: string;
}

export interface CatalogModule {
  hostname: string;
  namespace: string;
  name: string;
  system: string;
}

export interface CatalogListing<T> {
  entries: T[];
  /** How the store was listed: "layout" (directory walk), "_catalog" (registry), or "none". */
  source: 'layout' | '_catalog' | 'none';
  /** Why the listing is missing or partial (shown on the page). */
  note?: string;
}

export interface Catalog {
  /** As `caller` (delegate mode: the registry decides what its credential may list). */
  providers(caller: Caller): Promise<CatalogListing<CatalogProvider>>;
  modules(caller: Caller): Promise<CatalogListing<CatalogModule>>;
}

function trimPrefix(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

/** `under` + "/" + the rest split in segments, or undefined when the name is not under it. */
function rest(name: string, under: string): string[] | undefined {
  if (!name.startsWith(`${under}/`)) return undefined;
  return name.slice(under.length + 1).split('/');
}

export function createCatalog(opts: { prefix: string; list?: RepositoryLister; source?: 'layout' | '_catalog' }): Catalog {
  const base = trimPrefix(opts.prefix);
  const join = (kind: string) => (base === '' ? kind : `${base}/${kind}`);

  async function listed<T>(kind: string, caller: Caller, parse: (parts: string[]) => T | undefined): Promise<CatalogListing<T>> {
    if (!opts.list) {
      return { entries: [], source: 'none', note: 'this store cannot list its repositories: only records and imports are shown' };
    }
    const under = join(kind);
    let names: string[];
    try {
      names = await opts.list(under, callOpts(caller));
    } catch (err) {
      return { entries: [], source: 'none', note: `the store refused to list its repositories (${(err as Error).message})` };
    }
    const entries: T[] = [];
    for (const name of names) {
      const parts = rest(name, under);
      const parsed = parts ? parse(parts) : undefined;
      if (parsed) entries.push(parsed);
    }
    return { entries, source: opts.source ?? 'layout' };
  }

  return {
    providers: (caller) =>
      listed('providers', caller, (p) =>
        p.length === 3 ? { hostname: componentToHostname(p[0]!), namespace: p[1]!, type: p[2]! } : undefined,
      ),
    modules: (caller) =>
      listed('modules', caller, (p) =>
        p.length === 4 ? { hostname: componentToHostname(p[0]!), namespace: p[1]!, name: p[2]!, system: p[3]! } : undefined,
      ),
  };
}
