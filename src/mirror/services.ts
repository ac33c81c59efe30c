// The mirror population use cases bound to their dependencies: pull-through for the network mirror and
// downloads (the only surface http/ sees), and the import the `mirror` command runs.
import type { Attributes } from '../core/attributes.js';
import { sweepStaleFiles } from '../core/temp-sweep.js';
import type { Caller } from '../core/caller.js';
import { ImportJobs, type RunImport } from './import-jobs.js';
import type { MirrorDeps } from './deps.js';
import { type ImportEvents, type ImportSource, type ImportWant, importProviders } from './import-providers.js';
import { PlatformFetcher } from './fetch-platform.js';
import { PullThrough } from './pull-through.js';
import { createUpstreamCatalog } from './upstream-catalog.js';

export function createMirrorServices(deps: MirrorDeps) {
  // Zips a killed server was fetching stay in the temp dir: swept at start and then every lease by `serve`
  // (found by test/faults/random-kills-import-download.test.ts: a SIGKILL mid-import left two for ever).
  const fetcher = new PlatformFetcher(deps);
  const sweepTemp = (): Promise<void> =>
    sweepStaleFiles(deps.tmpDir, ['mirror-'], deps.staleTempMs ?? 300_000, deps.now(), fetcher.inUse).then(
      (removed) => void (removed.length > 0 && deps.logger.info({ removed }, 'stale mirror temp files removed')),
      () => undefined,
    );
  void sweepTemp();
  const catalog = createUpstreamCatalog({ ttlMs: deps.upstreamTtlMs, now: deps.now });
  const pull = new PullThrough(deps, catalog, fetcher);
  const runImport: RunImport = (from, wants, opts) => importProviders(deps, fetcher, from, wants, opts);
  const jobs = new ImportJobs(deps, runImport, (address) => {
    const upstream = deps.upstreams.get(address.hostname);
    return upstream ? { source: upstream.source, trustedKeys: upstream.trustedKeys } : undefined;
  });
  return {
    /** Removes the temp files of fetches no process has written for a lease (docs/fault-tolerance.md#temp-files). */
    sweepTemp,
    /** True when the network mirror answers `hostname` by pull-through. */
    handles: (hostname: string) => pull.handles(hostname),
    mirrorIndex: (hostname: string, namespace: string, type: string, caller: Caller) => pull.mirrorIndex(hostname, namespace, type, caller),
    mirrorVersion: (input: { hostname: string; namespace: string; type: string; version: string }, caller: Caller) =>
      pull.mirrorVersion(input, caller),
    openPull: (token: string, signal?: AbortSignal) => pull.openPull(token, signal),
    /** Imports releases from a source (the `mirror` command); shares pull-through's flights per platform. */
    importProviders: (from: ImportSource, wants: readonly ImportWant[], opts: { dryRun?: boolean; events?: ImportEvents } = {}) =>
      runImport(from, wants, opts),
    /** POST /api/v1/mirror-imports: checks, records and starts an import from configured upstreams. */
    startImport: (attrs: Attributes, caller: Caller) => jobs.start(attrs, caller),
    getImport: (id: string, caller: Caller) => jobs.get(id, caller),
    listImports: (caller: Caller) => jobs.list(caller),
    /** Deletes finished import records beyond the newest `keep` (also done after every import). */
    pruneImports: (keep?: number) => jobs.prune(keep),
    /** Resolves when every import running in this process has finished (tests, graceful shutdown). */
    imports: () => Promise.all([...jobs.running]),
    /** The configured upstream of a provider hostname, if any. */
    upstream: (hostname: string) => deps.upstreams.get(hostname),
  };
}

export type MirrorServices = ReturnType<typeof createMirrorServices>;
