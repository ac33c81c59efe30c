// The mirror population use cases bound to their dependencies: pull-through for the network mirror and
// downloads (the only surface http/ sees), and the import the `mirror` command runs.
import type { Caller } from '../core/caller.js';
import type { MirrorDeps } from './deps.js';
import { type ImportEvents, type ImportSource, type ImportWant, importProviders } from './import-providers.js';
import { PlatformFetcher } from './fetch-platform.js';
import { PullThrough } from './pull-through.js';
import { createUpstreamCatalog } from './upstream-catalog.js';

export function createMirrorServices(deps: MirrorDeps) {
  const catalog = createUpstreamCatalog({ ttlMs: deps.upstreamTtlMs, now: deps.now });
  const fetcher = new PlatformFetcher(deps);
  const pull = new PullThrough(deps, catalog, fetcher);
  return {
    /** True when the network mirror answers `hostname` by pull-through. */
    handles: (hostname: string) => pull.handles(hostname),
    mirrorIndex: (hostname: string, namespace: string, type: string, caller: Caller) => pull.mirrorIndex(hostname, namespace, type, caller),
    mirrorVersion: (input: { hostname: string; namespace: string; type: string; version: string }, caller: Caller) =>
      pull.mirrorVersion(input, caller),
    openPull: (token: string, signal?: AbortSignal) => pull.openPull(token, signal),
    /** Imports releases from a source (the `mirror` command); shares pull-through's flights per platform. */
    importProviders: (from: ImportSource, wants: readonly ImportWant[], opts: { dryRun?: boolean; events?: ImportEvents } = {}) =>
      importProviders(deps, fetcher, from, wants, opts),
    /** The configured upstream of a provider hostname, if any. */
    upstream: (hostname: string) => deps.upstreams.get(hostname),
  };
}

export type MirrorServices = ReturnType<typeof createMirrorServices>;
