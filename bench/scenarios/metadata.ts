// Scenario 1 — warm metadata: requests/s and p50/p99 latency of providers.v1 `versions` and `download`
// and the mirror's `index.json` and `<version>.json`, at 1 and 64 connections, side by side with nginx
// serving the very same bodies as static files under the same paths. Load: wrk -t1 --latency, several
// runs alternating ours/nginx/the Node floor, medians. The Node floor (bench/lib/node-floor-static.ts) is
// the smallest Node server of the same bodies with an access log: the limit of any Node server here. When taskset works, the server under test (ours or nginx) runs
// on CPU 0 and wrk on CPU 1; the registry is not pinned (warm requests do not reach it, except one
// tags/list per tags TTL). A window the shared machine disturbed (nginx needing far more CPU per request
// than in the other documents' windows) is measured again, and the report says so.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { providerRepository } from '../../src/layout/names.js';
import type { BenchContext, Scenario, ScenarioResult, Table, TargetCheck } from '../scenario.js';
import { AnchorRuns, measureOurs } from '../lib/anchor.js';
import { pushProviderVersions, pushSharedTinyZips, THREE_PLATFORMS, versionList } from '../lib/fixtures.js';
import { startNginx, type StaticFile } from '../lib/nginx.js';
import { startNodeFloorStatic } from '../lib/node-floor.js';
import { pinProcess } from '../lib/processes.js';
import { fmtCount } from '../lib/registry.js';
import { disturbedIndex, fmtMs, fmtRate, median, ratio } from '../lib/stats.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';

const NAMESPACE = 'acme';
const TYPE = 'widget';
/** A typical provider: 20 versions, 3 platforms each. */
const VERSIONS = 20;
/** The anchor's name (report lines and unavailable figures). */
const NGINX = 'nginx (static files, access log on)';
const FLOOR = 'Node floor (node:http + pino access line)';

/** The connection counts measured. */
const CONNECTIONS = [1, 64] as const;
/** nginx CPU per request above this multiple of the four documents' median marks a disturbed window. */
const DISTURBED = 1.25;

/** The wrk runs of one endpoint at one connection count. */
interface Window {
  ours: WrkResult[];
  anchor: WrkResult[];
  floor: WrkResult[];
  upstream: number;
  counts: string[];
}

/** nginx's median CPU µs per request in a window (Infinity without nginx runs). */
function nginxCost(w: Window): number {
  return w.anchor.length === 0 ? Number.POSITIVE_INFINITY : median(w.anchor.map((r) => r.cpuUsPerRequest));
}

export interface Endpoint {
  /** Short id (bench/profile.ts takes it). */
  id: string;
  name: string;
  path: string;
}

/**
 * Pushes the metadata fixture (acme/widget, VERSIONS versions × 3 platforms) into the repository the
 * server reads for its public hostname, and returns the four endpoints measured.
 */
export async function setupWidget(ctx: Pick<BenchContext, 'pushStore' | 'signer' | 'server'>): Promise<Endpoint[]> {
  const host = ctx.server.registryHostname;
  const repository = providerRepository('', host, NAMESPACE, TYPE);
  const versions = versionList(VERSIONS);
  const latest = versions[versions.length - 1]!;
  const zips = await pushSharedTinyZips(ctx.pushStore, repository, TYPE, THREE_PLATFORMS);
  await pushProviderVersions(ctx.pushStore, ctx.signer, { repository, type: TYPE, versions, platforms: THREE_PLATFORMS, zips });
  return [
    { id: 'versions', name: 'providers.v1 versions', path: `/v1/providers/${NAMESPACE}/${TYPE}/versions` },
    { id: 'download', name: 'providers.v1 download', path: `/v1/providers/${NAMESPACE}/${TYPE}/${latest}/download/linux/amd64` },
    { id: 'index', name: 'mirror index.json', path: `/mirror/${host}/${NAMESPACE}/${TYPE}/index.json` },
    { id: 'version', name: 'mirror <version>.json', path: `/mirror/${host}/${NAMESPACE}/${TYPE}/${latest}.json` },
  ];
}

export const metadataScenario: Scenario = {
  id: 'metadata',
  title: '1. Warm metadata vs nginx (static files)',
  quick: true,
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const { server } = ctx;
    const host = server.registryHostname;
    ctx.log(`metadata: pushing ${VERSIONS} versions of ${NAMESPACE}/${TYPE}`);
    const endpoints = await setupWidget(ctx);

    // Warm our caches and capture the bodies nginx will serve.
    const files: StaticFile[] = [];
    const sizes = new Map<string, number>();
    for (const e of endpoints) {
      const res = await fetch(server.url + e.path);
      const body = Buffer.from(await res.arrayBuffer());
      if (res.status !== 200) throw new Error(`GET ${e.path}: ${res.status} ${body.toString('utf8').slice(0, 300)}`);
      files.push({ path: e.path, body });
      sizes.set(e.name, body.length);
    }
    // Anchor runs are retried and may end up unavailable; runs against our server run once and must succeed.
    const anchors = new AnchorRuns({ log: (m) => ctx.log(`metadata: ${m}`) });
    const nginx = await anchors.measure(NGINX, () => startNginx(join(ctx.tmp, 'nginx'), files, { accessLog: true }));
    const floor = await anchors.measure(FLOOR, () => startNodeFloorStatic(join(ctx.tmp, 'node-floor-static'), files));
    const nCpu = cpus().length;
    const pin = ctx.pin && nCpu >= 2;
    const allCpus = `0-${nCpu - 1}`;
    if (pin) {
      pinProcess(server.pid, '0');
      if (nginx) pinProcess(nginx.pid, '0');
      if (floor) pinProcess(floor.pid, '0');
    }
    const wrkCpus = pin ? '1' : undefined;
    // Runs per window: 5 at 64 connections (the judged figure: a median of 5 holds against two runs the
    // shared machine disturbed, bench/findings.md), 3 at 1 connection.
    const runsAt = (connections: number) => (ctx.quick ? 1 : connections === 64 ? 5 : 3);
    const durationS = ctx.quick ? 1 : 5;

    const rows: string[][] = [];
    const targets: TargetCheck[] = [];
    const remeasured: string[] = [];
    try {
      // One window: runsAt(connections) wrk runs of this endpoint, alternating ours / nginx / the Node floor.
      const measureWindow = async (e: Endpoint, connections: number): Promise<Window> => {
        const w: Window = { ours: [], anchor: [], floor: [], upstream: 0, counts: [] };
        // One wrk run of this endpoint against a server (ours or an anchor), its CPU read from /proc.
        const load = (target: { url: string; pid: number }) =>
          runWrk({
            url: target.url + e.path,
            connections,
            threads: 1,
            durationS,
            serverPid: target.pid,
            ...(wrkCpus ? { cpus: wrkCpus } : {}),
          });
        for (let i = 0; i < runsAt(connections); i++) {
          const mark = ctx.registry.mark();
          w.ours.push(await measureOurs(`wrk ${e.path} c=${connections}`, () => load(server)));
          const c = ctx.registry.countSince(mark, 'tf-oci-registry');
          w.upstream += c.total;
          w.counts.push(fmtCount(c));
          const a = nginx && (await anchors.measure(NGINX, () => load(nginx)));
          if (a) w.anchor.push(a);
          const f = floor && (await anchors.measure(FLOOR, () => load(floor)));
          if (f) w.floor.push(f);
          const o = w.ours[w.ours.length - 1]!;
          const cost = (r: WrkResult | undefined) => (r ? `${fmtRate(r.rps)}/s at ${r.cpuUsPerRequest.toFixed(0)} µs` : 'n/a');
          ctx.log(
            `metadata: ${e.id} c=${connections} run ${i + 1}: ours ${cost(o)}, nginx ${cost(a || undefined)}, Node floor ${cost(f || undefined)}`,
          );
        }
        return w;
      };
      const windows = new Map<string, Window>();
      for (const e of endpoints) {
        // JIT warm-up of this route (the first seconds of a fresh process have p99s of 0.5 s).
        await measureOurs(`wrk warm-up ${e.path}`, () =>
          runWrk({
            url: server.url + e.path,
            connections: 64,
            threads: 1,
            durationS: ctx.quick ? 1 : 3,
            ...(wrkCpus ? { cpus: wrkCpus } : {}),
          }),
        );
        for (const connections of CONNECTIONS) windows.set(`${e.id}:${connections}`, await measureWindow(e, connections));
      }
      // A window the machine disturbed: nginx, whose CPU per request hardly depends on the document (the
      // same static file path for all four), needed far more CPU per request in it than in the others at
      // the same connection count. Other work on this shared machine slows every process then, Node more
      // than nginx (bench/findings.md, "Warm metadata: windows the machine disturbed"), so the window is
      // measured again, at most twice, and the one in which nginx needed the least CPU is kept; the report
      // names every window measured again, with both figures.
      if (!ctx.quick && nginx) {
        for (const connections of CONNECTIONS) {
          for (let attempt = 0; attempt < 2; attempt++) {
            const costs = endpoints.map((e) => nginxCost(windows.get(`${e.id}:${connections}`)!));
            const index = disturbedIndex(costs, DISTURBED);
            if (index === undefined) break;
            const e = endpoints[index]!;
            const key = `${e.id}:${connections}`;
            const first = windows.get(key)!;
            const again = await measureWindow(e, connections);
            const kept = nginxCost(again) < costs[index]! ? again : first;
            const oursRps = (w: Window) => median(w.ours.map((r) => r.rps)).toFixed(0);
            remeasured.push(
              `${e.name}, ${connections} connection(s): nginx needed ${costs[index]!.toFixed(0)} CPU µs/req against ${median(costs.filter(Number.isFinite)).toFixed(0)} (the median of the four documents); measured again: nginx ${nginxCost(again).toFixed(0)} µs/req, ours ${oursRps(again)} req/s (was ${oursRps(first)}); kept: the ${kept === again ? 'new' : 'first'} window`,
            );
            ctx.log(`metadata: measured again: ${remeasured[remeasured.length - 1]}`);
            windows.set(key, kept);
            if (kept !== again) break;
          }
        }
      }
      for (const e of endpoints) {
        for (const connections of CONNECTIONS) {
          const { ours, anchor, floor: floorRuns, upstream, counts } = windows.get(`${e.id}:${connections}`)!;
          const fl = (text: string) => anchors.cell(FLOOR, text);
          const g = (text: string) => anchors.cell(NGINX, text);
          const m = (rs: WrkResult[], k: Exclude<keyof WrkResult, 'socketErrorKinds'>) => median(rs.map((r) => r[k]));
          const oursRps = m(ours, 'rps');
          const nginxRps = m(anchor, 'rps');
          const floorRps = m(floorRuns, 'rps');
          rows.push([
            e.name,
            String(connections),
            fmtRate(oursRps),
            g(fmtRate(nginxRps)),
            g(ratio(oursRps, nginxRps)),
            fmtMs(m(ours, 'p50')),
            g(fmtMs(m(anchor, 'p50'))),
            fmtMs(m(ours, 'p99')),
            g(fmtMs(m(anchor, 'p99'))),
            `${m(ours, 'cpuUsPerRequest').toFixed(0)} / ${g(m(anchor, 'cpuUsPerRequest').toFixed(0))}`,
            g(ratio(m(anchor, 'cpuUsPerRequest'), m(ours, 'cpuUsPerRequest'))),
            `${((m(ours, 'cpuUsPerRequest') * oursRps) / 1e6).toFixed(2)} / ${g(((m(anchor, 'cpuUsPerRequest') * nginxRps) / 1e6).toFixed(2))}`,
            `${upstream} in ${runsAt(connections) * durationS} s`,
            fl(fmtRate(floorRps)),
            `${fl(m(floorRuns, 'cpuUsPerRequest').toFixed(0))}`,
            anchors.cell(NGINX, fl(ratio(floorRps, nginxRps))),
            fl(ratio(oursRps, floorRps)),
          ]);
          ctx.log(
            `metadata: ${e.name} c=${connections}: ours ${fmtRate(oursRps)}/s vs nginx ${g(fmtRate(nginxRps))}/s, p99 ${fmtMs(m(ours, 'p99'))}; upstream ${counts.join(' / ')}`,
          );
          if (connections === 64) {
            targets.push({
              target: `${e.name}: >= 60 % of nginx req/s at 64 connections, access logs on for both`,
              measured: anchors.measured([NGINX], `${ratio(oursRps, nginxRps)} (${fmtRate(oursRps)} vs ${fmtRate(nginxRps)} req/s)`),
              met: ctx.quick || anchors.anyUnavailable([NGINX]) ? null : oursRps >= 0.6 * nginxRps,
            });
            targets.push({
              target: `the limit beside the 0.6 goal, ${e.name}: the Node floor (a bare node:http server of the same body with a pino access line) vs nginx, 64 connections`,
              measured: anchors.measured(
                [NGINX, FLOOR],
                `Node floor ${ratio(floorRps, nginxRps)} of nginx (${fmtRate(floorRps)} req/s, ${m(floorRuns, 'cpuUsPerRequest').toFixed(0)} CPU µs/req); ours ${ratio(oursRps, floorRps)} of the floor`,
              ),
              met: null,
            });
            targets.push({
              target: `${e.name}: p99 < 10 ms at 64 connections`,
              measured: fmtMs(m(ours, 'p99')),
              met: ctx.quick ? null : m(ours, 'p99') < 10,
            });
          }
        }
      }
    } finally {
      if (pin) pinProcess(server.pid, allCpus);
      await nginx?.stop();
      await floor?.stop();
    }

    const table: Table = {
      title: `Warm metadata, wrk -t1, ${runsAt(64)} run(s) of ${durationS} s each at 64 connections and ${runsAt(1)} at 1, medians (ratio = ours / nginx req/s)`,
      columns: [
        'endpoint',
        'conns',
        'ours req/s',
        'nginx req/s',
        'ratio',
        'ours p50',
        'nginx p50',
        'ours p99',
        'nginx p99',
        'CPU µs/req ours / nginx',
        'CPU ratio nginx/ours',
        'cores busy ours / nginx',
        'upstream reqs (ours)',
        'Node floor req/s',
        'Node floor CPU µs/req',
        'Node floor / nginx',
        'ours / Node floor',
      ],
      rows,
    };
    const bodyTable: Table = {
      title: 'Response bodies (identical bytes served by both)',
      columns: ['endpoint', 'path', 'bytes'],
      rows: endpoints.map((e) => [e.name, e.path.replace(host, '<host>'), String(sizes.get(e.name))]),
    };
    return {
      tables: [table, bodyTable],
      targets,
      notes: [
        ...anchors.notes(),
        ...(remeasured.length > 0
          ? [
              `Measured again (a window the machine disturbed: nginx needed more than ${DISTURBED}× the median CPU per request of the four documents): ${remeasured.join('; ')}.`,
            ]
          : []),
        `${FLOOR}: bench/lib/node-floor-static.ts, a node:http server answering the same bodies from memory and writing one JSON access line per request with pino (request id, method, path, status, duration, bytes, user agent) to a file through the server's own log destination (src/wiring/log-destination.ts), under the glibc setting our server makes; no framework, routing, access control, caches, tickets, metrics or usage. It is what Node reaches on this box with an access log on: the limit of any Node server of these documents, ours included.`,
        'Access logs on for both (issue 16): ours at the default log level (info: one JSON access line per request, usage fields included, to the server log file), nginx with a JSON `log_format` of the same fields (time, request id, method, path, status, duration) to a file.',
        `Fixture: ${NAMESPACE}/${TYPE} with ${VERSIONS} versions × ${THREE_PLATFORMS.length} platforms in the real registry; caches warmed by one request per endpoint before measuring, plus 3 s of wrk -c64 per endpoint (JIT warm-up; 1 s in quick mode).`,
        pin
          ? 'CPU: the server under test (tf-oci-registry or nginx) pinned to CPU 0, wrk (1 thread) pinned to CPU 1, registry unpinned. Both servers are single-threaded (nginx: master_process off, one event loop), so the ratio compares one core against one core.'
          : 'CPU: not pinned (taskset unavailable); wrk, the server and the registry share all cores.',
        '"cores busy" = CPU µs/req × req/s: about 1.0 means the server saturated its core; well below 1.0 for nginx means nginx was waiting for wrk (one thread on one core), so nginx\'s req/s is a lower bound of what it can do and the req/s ratio flatters us.',
        'The download and <version>.json bodies carry signed download URLs: ours reuses one sealed document per principal for min(30 s, download_url_ttl / 10) (src/registry/read-caches.ts), then seals fresh tickets (AES-GCM); nginx serves one fixed copy.',
        'CPU µs/req: CPU time of the server process (/proc/<pid>/stat, user + system, all threads) over the run divided by the requests served. It does not depend on how much CPU the other work on this shared machine left to the server, unlike req/s, so "CPU ratio nginx/ours" is the steadier estimate of the req/s ratio both would reach on a core of their own.',
        "Upstream requests: counted in the registry access log (User-Agent tf-oci-registry) during our wrk windows; a tag listing is reused for cache.tags_ttl = 10 s, so every endpoint costs about one tags/list per 10 s (download and <version>.json check the caller's own listing before using shared or memoized state).",
      ],
    };
  },
};
