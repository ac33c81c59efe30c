// Scenario 2 — scale with the number of versions: providers with 10, 100 and 1,000 versions (3
// platforms each) in the real registry; cold and warm `versions` latency and the upstream requests
// each costs.
//  - In-process (production wiring, counting store, app.request): several cold runs (fresh caches each),
//    a warm series, then one request after the tags TTL and one after the tag -> digest TTL (clock
//    stepped forward), with the store calls each cost.
//  - Over HTTP against the server process: the first (cold) request, then wrk -c1 (warm), with the
//    upstream requests counted in the registry access log.
import { Agent, request } from 'undici';
import { providerRepository } from '../../src/layout/names.js';
import { mapLimit } from '../../src/core/map-limit.js';
import type { BenchContext, Scenario, ScenarioResult, Table, TargetCheck } from '../scenario.js';
import { AnchorRuns } from '../lib/anchor.js';
import { pushProviderVersions, pushSharedTinyZips, THREE_PLATFORMS, versionList } from '../lib/fixtures.js';
import { createInProcessApp, installOffsetClock, type InProcessApp } from '../lib/in-process.js';
import { fmtCount, onRepository } from '../lib/registry.js';
import { startServer } from '../lib/server.js';
import { fmtMs, fmtRate, median, percentile, ratio, spread } from '../lib/stats.js';
import { runWrk } from '../lib/wrk.js';

const NAMESPACE = 'acme';

interface Measured {
  n: number;
  pushSeconds: number;
  pushRequests: number;
  coldMs: number[];
  coldCalls: string;
  coldTotal: number;
  warmP50: number;
  warmP99: number;
  warmCalls: number;
  warmCount: number;
  afterTagsTtl: { ms: number; calls: string; total: number };
  /** After the revalidation interval: request-path calls, then the background HEADs it queued. */
  afterDigestTtl: { ms: number; calls: string; total: number; backgroundHeads: number; backgroundMs: number };
  bodyBytes: number;
  cacheBytes: number;
  rawMs: number[];
  httpColdMs: number[];
  httpColdUpstream: string;
  sharedColdMs: number;
  httpWarm: { rps: number; p50: number; p99: number; upstream: string; upstreamTotal: number; seconds: number };
}

function callsOf(a: InProcessApp): string {
  const parts = Object.entries(a.store.counts)
    .filter(([, v]) => v > 0)
    .sort()
    .map(([k, v]) => `${k} ${v}`);
  return parts.length === 0 ? '0' : `${a.store.total()} (${parts.join(', ')})`;
}

async function timedRequest(a: InProcessApp, path: string, expectVersions: number): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const res = await a.app.request(path);
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 300)}`);
  const n = (JSON.parse(text) as { versions: unknown[] }).versions.length;
  if (n !== expectVersions) throw new Error(`GET ${path}: ${n} versions, expected ${expectVersions}`);
  return { ms, bytes: Buffer.byteLength(text) };
}

/** The anchor's name (report lines). */
const BARE = 'bare registry client';

/**
 * The anchor of a cold listing: the same upstream work done by a bare client (fresh undici pool, 16 in
 * flight, as LISTING_CONCURRENCY in provider-reader.ts): GET tags/list, then GET every tag's manifest
 * with the OCI Accept header, bodies read and nothing else. Returns ms.
 */
async function rawListing(registryUrl: string, repository: string): Promise<number> {
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  try {
    const t0 = performance.now();
    const res = await request(`${registryUrl}/v2/${repository}/tags/list?n=1000`, { dispatcher });
    const tags = ((await res.body.json()) as { tags: string[] }).tags;
    await mapLimit(tags, 16, async (tag) => {
      const r = await request(`${registryUrl}/v2/${repository}/manifests/${tag}`, {
        dispatcher,
        headers: { accept: 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json' },
      });
      await r.body.arrayBuffer();
      if (r.statusCode !== 200) throw new Error(`raw GET manifest ${tag}: ${r.statusCode}`);
    });
    return performance.now() - t0;
  } finally {
    await dispatcher.close();
  }
}

export const scaleScenario: Scenario = {
  id: 'scale',
  title: '2. Scale with the number of versions (versions listing)',
  quick: true,
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const sizes = ctx.quick ? [10, 100] : [10, 100, 1000];
    const tagsTtlMs = Number(ctx.server.env.TF_OCI_REGISTRY_CACHE_TAGS_TTL ?? '10') * 1000;
    const results: Measured[] = [];
    // The bare-client anchor is retried and may end up unavailable; the measurements of ours are not.
    const anchors = new AnchorRuns({ log: (m) => ctx.log(`scale: ${m}`) });

    for (const n of sizes) {
      const type = `scale${n}`;
      const repository = providerRepository('', ctx.server.registryHostname, NAMESPACE, type);
      const path = `/v1/providers/${NAMESPACE}/${type}/versions`;
      ctx.log(`scale: pushing ${n} versions × ${THREE_PLATFORMS.length} platforms`);
      const pushMark = ctx.registry.mark();
      const t0 = performance.now();
      const zips = await pushSharedTinyZips(ctx.pushStore, repository, type, THREE_PLATFORMS);
      await pushProviderVersions(ctx.pushStore, ctx.signer, {
        repository,
        type,
        versions: versionList(n),
        platforms: THREE_PLATFORMS,
        zips,
      });
      const pushSeconds = (performance.now() - t0) / 1000;
      const pushRequests = ctx.registry.countSince(pushMark, 'tf-oci-bench').total;

      // In-process: cold runs, each with fresh caches.
      const coldRuns = ctx.quick ? 2 : n >= 1000 ? 3 : 5;
      const coldMs: number[] = [];
      let coldCalls = '';
      let coldTotal = 0;
      let bodyBytes = 0;
      const clock = installOffsetClock();
      let last: InProcessApp | undefined;
      try {
        for (let i = 0; i < coldRuns; i++) {
          last = createInProcessApp(ctx.server.env);
          const r = await timedRequest(last, path, n);
          coldMs.push(r.ms);
          bodyBytes = r.bytes;
          coldCalls = callsOf(last);
          coldTotal = last.store.total();
        }
        const a = last!;
        // Warm series on the last instance.
        a.store.reset();
        const warmCount = ctx.quick ? 30 : 200;
        const warm: number[] = [];
        for (let i = 0; i < warmCount; i++) warm.push((await timedRequest(a, path, n)).ms);
        const warmCalls = a.store.total();
        // Step over the tags TTL, then over the tag -> digest TTL (30 × tags TTL in createServerDeps).
        a.store.reset();
        clock.advance(tagsTtlMs + 1000);
        const t1 = await timedRequest(a, path, n);
        const afterTagsTtl = { ms: t1.ms, calls: callsOf(a), total: a.store.total() };
        // Past the revalidation interval (30 × tags TTL): the shared tag -> index entries are stale. They
        // are still served; HEADs of every tag run in the background (tag-revalidator.ts). Store calls
        // are read right after the response (the request path), then once the background work is done.
        a.store.reset();
        clock.advance(tagsTtlMs * 30);
        const heads0 = a.deps.revalidator.stats.scheduled;
        const t2 = await timedRequest(a, path, n);
        const onPath = { ...a.store.counts };
        const pathTotal = Object.values(onPath).reduce((x, y) => x + y, 0);
        const b0 = performance.now();
        await a.deps.revalidator.idle();
        const backgroundMs = performance.now() - b0;
        const backgroundHeads = a.deps.revalidator.stats.scheduled - heads0;
        const pathParts = Object.entries(onPath)
          .filter(([, v]) => v > 0)
          .sort()
          .map(([k, v]) => `${k} ${v}`);
        const afterDigestTtl = {
          ms: t2.ms,
          calls: pathTotal === 0 ? '0' : `${pathTotal} (${pathParts.join(', ')})`,
          total: pathTotal,
          backgroundHeads,
          backgroundMs,
        };
        const cacheBytes = a.deps.content.usedBytes;

        // The anchor: the bare upstream work of a cold listing.
        const rawMs: number[] = [];
        for (let i = 0; i < coldRuns; i++) {
          const ms = await anchors.measure(BARE, () => rawListing(ctx.registry.url, repository));
          if (ms !== undefined) rawMs.push(ms);
        }

        // Over HTTP: cold = the first request to a FRESH server process (cold caches AND cold JIT, as
        // after a deploy), several times; then the shared server process's own first request.
        const httpColdMs: number[] = [];
        let httpColdUpstream = '';
        for (let i = 0; i < (ctx.quick ? 1 : 3); i++) {
          // Same public URL as the shared server: same providers.v1 hostname, so same repositories.
          const fresh = await startServer({
            root: ctx.root,
            registryUrl: ctx.registry.url,
            logDir: ctx.tmp,
            env: { TF_OCI_REGISTRY_SERVER_PUBLIC_URL: ctx.server.env.TF_OCI_REGISTRY_SERVER_PUBLIC_URL! },
          });
          try {
            const m0 = ctx.registry.mark();
            const h0 = performance.now();
            const res = await fetch(fresh.url + path);
            await res.arrayBuffer();
            httpColdMs.push(performance.now() - h0);
            if (res.status !== 200) throw new Error(`GET ${path} (fresh server): ${res.status}`);
            httpColdUpstream = fmtCount(ctx.registry.countSince(m0, 'tf-oci-registry'));
          } finally {
            await fresh.stop();
          }
        }
        const h1 = performance.now();
        const first = await fetch(ctx.server.url + path);
        await first.arrayBuffer();
        const sharedColdMs = performance.now() - h1;
        if (first.status !== 200) throw new Error(`GET ${path} (server process): ${first.status}`);
        const seconds = ctx.quick ? 2 : 12;
        const m1 = ctx.registry.mark();
        const w = await runWrk({ url: ctx.server.url + path, connections: 1, threads: 1, durationS: seconds });
        // The provider's repository only: the server also writes its usage record (another repository,
        // every usage flush interval while requests come in: docs/operations.md#usage), which is not a
        // cost of the listing; it is shown beside (other).
        const own = onRepository(repository);
        const up = ctx.registry.countSince(m1, 'tf-oci-registry', own);
        const other = ctx.registry.countSince(m1, 'tf-oci-registry', (p) => !own(p));
        results.push({
          n,
          pushSeconds,
          pushRequests,
          coldMs,
          coldCalls,
          coldTotal,
          warmP50: median(warm),
          warmP99: percentile(warm, 99),
          warmCalls,
          warmCount,
          afterTagsTtl,
          afterDigestTtl,
          bodyBytes,
          cacheBytes,
          rawMs,
          httpColdMs,
          httpColdUpstream,
          sharedColdMs,
          httpWarm: {
            rps: w.rps,
            p50: w.p50,
            p99: w.p99,
            upstream: `${fmtCount(up)}${other.total > 0 ? `; not counted, other repositories (the server's usage record): ${fmtCount(other)}` : ''}`,
            upstreamTotal: up.total,
            seconds,
          },
        });
        ctx.log(
          `scale ${n}: cold ${fmtMs(median(coldMs))} (${coldCalls}); warm p50 ${fmtMs(median(warm))}; raw ${fmtMs(median(rawMs))}; HTTP cold ${httpColdMs.map(fmtMs).join(', ')} (fresh) / ${fmtMs(sharedColdMs)} (shared), warm ${fmtRate(w.rps)}/s p99 ${fmtMs(w.p99)}`,
        );
      } finally {
        clock.restore();
      }
    }

    const ttlS = tagsTtlMs / 1000;
    const cold: Table = {
      title:
        'Cold `versions` vs its anchor (the bare upstream work: tags/list + one manifest GET per version, 16 in flight, fresh connection pool), medians (min–max)',
      columns: [
        'versions',
        'ours in-process (cold caches, warm JIT)',
        'anchor: bare client',
        'ratio ours/anchor',
        'ours over HTTP, fresh server process',
        'shared server, first request',
        'upstream requests',
      ],
      rows: results.map((r) => [
        String(r.n),
        spread(r.coldMs, fmtMs),
        r.rawMs.length === 0 ? 'unavailable' : spread(r.rawMs, fmtMs),
        r.rawMs.length === 0 ? 'unavailable' : ratio(median(r.coldMs), median(r.rawMs)),
        spread(r.httpColdMs, fmtMs),
        fmtMs(r.sharedColdMs),
        r.httpColdUpstream,
      ]),
    };
    const inproc: Table = {
      title: 'In-process (production wiring + counting store, app.request): latency and store calls per `versions` request',
      columns: [
        'versions',
        'cold (median, min–max)',
        'cold store calls',
        'warm p50',
        'warm p99',
        'warm store calls',
        `after tags TTL (${ttlS} s)`,
        `after the revalidation interval (${ttlS * 30} s): request path`,
        '… then in the background',
        'body',
        'content cache',
      ],
      rows: results.map((r) => [
        String(r.n),
        `${spread(r.coldMs, fmtMs)} (${r.coldMs.length} runs)`,
        r.coldCalls,
        fmtMs(r.warmP50),
        fmtMs(r.warmP99),
        `${r.warmCalls} in ${r.warmCount} reqs`,
        `${fmtMs(r.afterTagsTtl.ms)}, ${r.afterTagsTtl.calls}`,
        `${fmtMs(r.afterDigestTtl.ms)}, ${r.afterDigestTtl.calls}`,
        `${r.afterDigestTtl.backgroundHeads} manifest HEADs (≤ 4 in flight), ${fmtMs(r.afterDigestTtl.backgroundMs)}`,
        `${(r.bodyBytes / 1024).toFixed(1)} KiB`,
        `${(r.cacheBytes / 1024).toFixed(0)} KiB`,
      ]),
    };
    const http: Table = {
      title: 'Over HTTP against the server process (registry access log counts)',
      columns: ['versions', 'warm req/s (wrk -c1)', 'warm p50', 'warm p99', 'warm upstream'],
      rows: results.map((r) => [
        String(r.n),
        fmtRate(r.httpWarm.rps),
        fmtMs(r.httpWarm.p50),
        fmtMs(r.httpWarm.p99),
        `${r.httpWarm.upstream} in ${r.httpWarm.seconds} s`,
      ]),
    };
    const push: Table = {
      title: 'Fixture push (parallel, 16 versions in flight)',
      columns: ['versions', 'push time', 'registry requests'],
      rows: results.map((r) => [String(r.n), `${r.pushSeconds.toFixed(1)} s`, String(r.pushRequests)]),
    };

    const targets: TargetCheck[] = [];
    for (const r of results) {
      const allowed = Math.ceil(r.httpWarm.seconds / ttlS) + 1;
      targets.push({
        target: `${r.n} versions: warm costs <= 1 upstream request per tags TTL (${ttlS} s)`,
        measured: `in-process warm ${r.warmCalls}, after tags TTL ${r.afterTagsTtl.total}; HTTP ${r.httpWarm.upstreamTotal} in ${r.httpWarm.seconds} s`,
        met: r.warmCalls === 0 && r.afterTagsTtl.total <= 1 && r.httpWarm.upstreamTotal <= allowed,
      });
      targets.push({
        target: `${r.n} versions: … also once the tag→digest entries are due for revalidation (${ttlS * 30} s)`,
        measured: `${r.afterDigestTtl.total} upstream request(s) on the request path; ${r.afterDigestTtl.backgroundHeads} HEADs in the background`,
        met: r.afterDigestTtl.total <= 1,
      });
    }
    const big = results.find((r) => r.n === 1000);
    if (big) {
      targets.push({
        target: 'cold `versions` of 1,000 versions < 2 s',
        measured: `in-process (warm JIT) median ${fmtMs(median(big.coldMs))}; fresh server process median ${fmtMs(median(big.httpColdMs))}`,
        met: ctx.quick ? null : median(big.coldMs) < 2000 && median(big.httpColdMs) < 2000,
      });
    }
    return {
      tables: [cold, inproc, http, push],
      targets,
      notes: [
        ...anchors.notes(),
        'Each version is a real index with its own platform manifests and metadata manifest and its own signed SHA256SUMS; the zips (tiny) are shared by all versions of a provider (a listing never reads them).',
        'Cold in-process = a fresh application instance (new caches, new connection pool) in the bench process, whose JIT is already warm: what a running server pays when its caches are cold. Cold over HTTP = the first request to a freshly started server process (cold caches and cold JIT, as after a deploy). Both cost 1 tags/list + 1 manifest GET per version (16 in flight).',
        `"after tags TTL" / "after the revalidation interval": the clock is stepped forward by ${ttlS + 1} s, then by another ${ttlS * 30} s, and one request is made. Shared tag→index entries older than 30 × tags_ttl are still served (stale-while-revalidate) and confirmed by background HEADs, at most 4 in flight (src/registry/tag-revalidator.ts); the request path costs the tags/list only.`,
        "CPU: not pinned; the registry, the server (or the bench process for in-process runs) and wrk share the 2 cores. A cold listing is bound by registry round trips and by the registry's own CPU (the anchor column shows that floor).",
      ],
    };
  },
};
