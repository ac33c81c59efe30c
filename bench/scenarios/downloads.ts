// Scenario 3 — downloads: a 100 MB provider zip (random bytes, generated per run, never committed)
// fetched with curl through tf-oci-registry in each download mode (docs/mirror.md#download-modes): proxy
// (the download_url of the providers.v1 download JSON; 1 client, several runs, median, and 8 concurrent
// clients, aggregate), direct (a second server in direct mode: its download_url is the registry's blob URL)
// and X-Accel-Redirect offload (a third server with server.download_offload behind nginx: nginx fetches the
// blob itself). Anchors: the registry's blob URL straight, and nginx as a reverse proxy of it (what a
// native copying proxy reaches on the same box: the ceiling of any proxy that reads the bytes and writes
// them again), and the smallest Node.js proxy of the same blob (bench/lib/node-floor-proxy.ts, with undici
// and with node:http as the client: what the runtime itself reaches, nothing of ours). For each path, the CPU time and minor page faults of the processes carrying the bytes in
// between (our server; nginx; nginx + our server for the offload) per GB. The server's RSS is polled
// every 20 ms during the 8-client rounds: it must stay flat (streams, no buffering).
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { providerRepository } from '../../src/layout/names.js';
import type { BenchContext, Scenario, ScenarioResult, TargetCheck } from '../scenario.js';
import { pushProviderVersions, pushZipFile, writeRandomZip } from '../lib/fixtures.js';
import { AnchorRuns, measureOurs } from '../lib/anchor.js';
import { curlConcurrent, curlDownload, type CurlResult, JIT_WARM_BYTES, warmDownloads } from '../lib/curl.js';
import { startNginxProxy } from '../lib/nginx.js';
import { startNodeFloor } from '../lib/node-floor.js';
import { procStatusKiB, sampleRss } from '../lib/processes.js';
import { startDirectServer, startOffloadStack, withCost, type OffloadStack } from '../lib/download-modes.js';
import { fmtCount } from '../lib/registry.js';
import { fmtKiB, fmtMBps, median, ratio, spread } from '../lib/stats.js';

const NAMESPACE = 'acme';
const TYPE = 'bigzip';
const VERSION = '1.0.0';
const CLIENTS = 8;
/** Anchor names (report lines and unavailable figures). */
const DIRECT = 'registry blob URL (direct)';
const NATIVE = 'nginx reverse proxy';
const FLOOR_UNDICI = 'Node floor proxy (undici)';
const FLOOR_HTTP = 'Node floor proxy (node:http)';
const FLOOR_POOLED = 'Node floor proxy (pooled buffers)';

/**
 * Pushes a provider version (acme/<type> 1.0.0, linux_amd64) whose one zip holds `sizeMB` MB of random
 * bytes; returns both URLs of it, its size and digest. Scenarios that need their own zip pass their own type.
 */
export async function setupBigZip(
  ctx: Pick<BenchContext, 'pushStore' | 'signer' | 'server' | 'registry' | 'tmp'>,
  sizeMB: number,
  type: string = TYPE,
): Promise<{ proxyUrl: string; directUrl: string; size: number; digest: string }> {
  const repository = providerRepository('', ctx.server.registryHostname, NAMESPACE, type);
  const platform = { os: 'linux', arch: 'amd64' };
  const zipPath = join(ctx.tmp, `terraform-provider-${type}_${VERSION}_linux_amd64.zip`);
  const { h1 } = await writeRandomZip(zipPath, `terraform-provider-${type}_v${VERSION}`, sizeMB * 1_000_000);
  const zip = await pushZipFile(ctx.pushStore, repository, zipPath, h1);
  await rm(zipPath, { force: true });
  await pushProviderVersions(ctx.pushStore, ctx.signer, {
    repository,
    type,
    versions: [VERSION],
    platforms: [platform],
    zips: new Map([['linux_amd64', zip]]),
  });
  const meta = await fetch(`${ctx.server.url}/v1/providers/${NAMESPACE}/${type}/${VERSION}/download/linux/amd64`);
  if (meta.status !== 200) throw new Error(`download JSON: ${meta.status} ${await meta.text()}`);
  const proxyUrl = ((await meta.json()) as { download_url: string }).download_url;
  return {
    proxyUrl,
    directUrl: `${ctx.registry.url}/v2/${repository}/blobs/${zip.desc.digest}`,
    size: zip.desc.size,
    digest: zip.desc.digest,
  };
}

export const downloadsScenario: Scenario = {
  id: 'downloads',
  title: '3. Downloads: proxy, direct and X-Accel offload vs the registry blob URL and nginx',
  quick: true,
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const sizeMB = ctx.quick ? 16 : 100;
    ctx.log(`downloads: generating a ${sizeMB} MB random provider zip and pushing it`);
    const { proxyUrl, directUrl, size } = await setupBigZip(ctx, sizeMB);
    const nginxDir = join(ctx.tmp, 'nginx-proxy');
    mkdirSync(nginxDir, { recursive: true });
    const anchors = new AnchorRuns({ log: (m) => ctx.log(`downloads: ${m}`) });
    const nginx = await anchors.measure(NATIVE, () => startNginxProxy(nginxDir, ctx.registry.url));
    const nativeUrl = nginx ? nginx.url + new URL(directUrl).pathname : undefined;
    // Direct mode: only its download JSON is asked (the bytes never pass through a server).
    const directServer = await startDirectServer(ctx.root, ctx.registry.url, join(ctx.tmp, 'direct-server'), ctx.server);
    let directModeUrl: string;
    try {
      const meta = await fetch(`${directServer.url}/v1/providers/${NAMESPACE}/${TYPE}/${VERSION}/download/linux/amd64`);
      if (meta.status !== 200) throw new Error(`direct-mode download JSON: ${meta.status} ${await meta.text()}`);
      directModeUrl = ((await meta.json()) as { download_url: string }).download_url;
    } finally {
      await directServer.stop();
    }
    const offload = await startOffloadStack(ctx.root, ctx.registry.url, join(ctx.tmp, 'offload'));
    const floors = {
      undici: await anchors.measure(FLOOR_UNDICI, () => startNodeFloor(ctx.registry.url, 'undici')),
      http: await anchors.measure(FLOOR_HTTP, () => startNodeFloor(ctx.registry.url, 'node-http')),
      pooled: await anchors.measure(FLOOR_POOLED, () => startNodeFloor(ctx.registry.url, 'pooled')),
    };
    const path = new URL(directUrl).pathname;
    try {
      return await measure(ctx, anchors, sizeMB, size, {
        proxyUrl,
        directUrl,
        nativeUrl,
        directModeUrl,
        offload,
        nginxPid: nginx?.pid,
        floorUndici: floors.undici && { url: floors.undici.url + path, pid: floors.undici.pid },
        floorHttp: floors.http && { url: floors.http.url + path, pid: floors.http.pid },
        floorPooled: floors.pooled && { url: floors.pooled.url + path, pid: floors.pooled.pid },
      });
    } finally {
      await offload.stop();
      await nginx?.stop();
      await floors.undici?.stop();
      await floors.http?.stop();
      await floors.pooled?.stop();
    }
  },
};

/** Pushes `value` when the anchor run gave one (an unavailable anchor leaves its list short or empty). */
function pushDefined(list: number[], value: number | undefined): void {
  if (value !== undefined) list.push(value);
}

interface Urls {
  proxyUrl: string;
  directUrl: string;
  nativeUrl: string | undefined;
  directModeUrl: string;
  offload: OffloadStack;
  nginxPid: number | undefined;
  /** The Node floor proxies (undefined when one did not start). */
  floorUndici: { url: string; pid: number } | undefined;
  floorHttp: { url: string; pid: number } | undefined;
  floorPooled: { url: string; pid: number } | undefined;
}

/** Throughput and cost of one path over the single-client runs. */
interface PathRuns {
  speed: number[];
  cpu: number[];
  faults: number[];
}

const runs = (): PathRuns => ({ speed: [], cpu: [], faults: [] });

async function measure(ctx: BenchContext, anchors: AnchorRuns, sizeMB: number, size: number, u: Urls): Promise<ScenarioResult> {
  const offloadUrl = u.offload.url + new URL(u.proxyUrl).pathname;
  const offloadPids = [u.offload.nginx.pid, u.offload.server.pid];
  const costOf = (pids: readonly number[], run: () => Promise<CurlResult>) => withCost(pids, (r) => r.bytes, run);
  const record = (into: PathRuns, m: { result: CurlResult; cpuPerGB: number; faultsPer100MB: number } | undefined) => {
    if (m === undefined) return;
    into.speed.push(m.result.speed);
    into.cpu.push(m.cpuPerGB);
    into.faults.push(m.faultsPer100MB);
  };
  // Anchors are retried and may end up unavailable; our downloads run once and must succeed.
  const anchorOne = async (name: string, url: string | undefined, pids: readonly number[]) =>
    url === undefined ? undefined : await anchors.measure(name, () => costOf(pids, () => curlDownload(url, size)));
  const anchorMany = async (name: string, url: string | undefined) =>
    url === undefined ? undefined : (await anchors.measure(name, () => curlConcurrent(url, size, CLIENTS)))?.aggregate;
  const oursOne = (what: string, url: string, pids: readonly number[]) =>
    measureOurs(what, () => costOf(pids, () => curlDownload(url, size)));
  const nginxPids = u.nginxPid === undefined ? [] : [u.nginxPid];

  // Warm-up (page cache, connection pools) and one upstream count per proxied download.
  await anchorOne(DIRECT, u.directUrl, []);
  await anchorOne(NATIVE, u.nativeUrl, nginxPids);
  await oursOne('offloaded download', offloadUrl, offloadPids);
  const mark = ctx.registry.mark();
  await oursOne('proxied download', u.proxyUrl, [ctx.server.pid]);
  const perDownload = fmtCount(ctx.registry.countSince(mark, 'tf-oci-registry'));
  // JIT warm-up of every Node process that carries the bytes (ours and the Node floors): the steady speed
  // of a server that has been up a while, not the first gigabyte of a fresh process (JIT_WARM_BYTES).
  const warmBytes = ctx.quick ? 0 : JIT_WARM_BYTES;
  await measureOurs('JIT warm-up downloads', () => warmDownloads(u.proxyUrl, size, warmBytes, CLIENTS));
  await anchors.measure(FLOOR_UNDICI, async () => u.floorUndici && (await warmDownloads(u.floorUndici.url, size, warmBytes, CLIENTS)));
  await anchors.measure(FLOOR_HTTP, async () => u.floorHttp && (await warmDownloads(u.floorHttp.url, size, warmBytes, CLIENTS)));
  await anchors.measure(FLOOR_POOLED, async () => u.floorPooled && (await warmDownloads(u.floorPooled.url, size, warmBytes, CLIENTS)));

  const singleRuns = ctx.quick ? 2 : 7;
  const direct1 = runs();
  const proxy1 = runs();
  const native1 = runs();
  const offload1 = runs();
  const directMode1 = runs();
  const floorUndici1 = runs();
  const floorHttp1 = runs();
  const floorPooled1 = runs();
  await anchorOne(FLOOR_UNDICI, u.floorUndici?.url, u.floorUndici ? [u.floorUndici.pid] : []);
  await anchorOne(FLOOR_HTTP, u.floorHttp?.url, u.floorHttp ? [u.floorHttp.pid] : []);
  await anchorOne(FLOOR_POOLED, u.floorPooled?.url, u.floorPooled ? [u.floorPooled.pid] : []);
  for (let i = 0; i < singleRuns; i++) {
    record(direct1, await anchorOne(DIRECT, u.directUrl, []));
    record(proxy1, await oursOne('proxied download', u.proxyUrl, [ctx.server.pid]));
    record(native1, await anchorOne(NATIVE, u.nativeUrl, nginxPids));
    record(offload1, await oursOne('offloaded download', offloadUrl, offloadPids));
    record(directMode1, await oursOne('direct-mode download (registry blob URL)', u.directModeUrl, [ctx.server.pid]));
    record(floorUndici1, await anchorOne(FLOOR_UNDICI, u.floorUndici?.url, u.floorUndici ? [u.floorUndici.pid] : []));
    record(floorHttp1, await anchorOne(FLOOR_HTTP, u.floorHttp?.url, u.floorHttp ? [u.floorHttp.pid] : []));
    record(floorPooled1, await anchorOne(FLOOR_POOLED, u.floorPooled?.url, u.floorPooled ? [u.floorPooled.pid] : []));
  }

  const rounds = ctx.quick ? 1 : 3;
  const directN: number[] = [];
  const proxyN: number[] = [];
  const nativeN: number[] = [];
  const offloadN: number[] = [];
  const floorN: number[] = [];
  const floorPooledN: number[] = [];
  const rssBefore: number[] = [];
  const rssPeak: number[] = [];
  for (let i = 0; i < rounds; i++) {
    pushDefined(directN, await anchorMany(DIRECT, u.directUrl));
    rssBefore.push(procStatusKiB(ctx.server.pid, 'VmRSS'));
    const sampler = sampleRss(ctx.server.pid, 20);
    try {
      proxyN.push(
        (await measureOurs(`${CLIENTS} concurrent proxied downloads`, () => curlConcurrent(u.proxyUrl, size, CLIENTS))).aggregate,
      );
    } finally {
      rssPeak.push(sampler.stop().maxKiB);
    }
    pushDefined(nativeN, await anchorMany(NATIVE, u.nativeUrl));
    offloadN.push(
      (await measureOurs(`${CLIENTS} concurrent offloaded downloads`, () => curlConcurrent(offloadUrl, size, CLIENTS))).aggregate,
    );
    pushDefined(floorN, await anchorMany(FLOOR_UNDICI, u.floorUndici?.url));
    pushDefined(floorPooledN, await anchorMany(FLOOR_POOLED, u.floorPooled?.url));
  }
  const growth = Math.max(...rssPeak.map((p, i) => p - rssBefore[i]!));
  const med = (r: PathRuns) => median(r.speed);
  ctx.log(
    `downloads: 1 client proxy ${fmtMBps(med(proxy1))} (${median(proxy1.cpu).toFixed(2)} CPU-s/GB), offload ${fmtMBps(med(offload1))}, direct mode ${fmtMBps(med(directMode1))}, nginx proxy ${fmtMBps(med(native1))}, registry ${fmtMBps(med(direct1))}; ${CLIENTS} clients proxy ${fmtMBps(median(proxyN))}, offload ${fmtMBps(median(offloadN))}, nginx proxy ${fmtMBps(median(nativeN))}, registry ${fmtMBps(median(directN))}; RSS +${fmtKiB(growth)}`,
  );

  const judge = !ctx.quick && !anchors.anyUnavailable([DIRECT]);
  const judgeNative = !ctx.quick && !anchors.anyUnavailable([NATIVE]);
  const d = (text: string) => anchors.cell(DIRECT, text);
  const fu = (text: string) => anchors.cell(FLOOR_UNDICI, text);
  const fh = (text: string) => anchors.cell(FLOOR_HTTP, text);
  const fp = (text: string) => anchors.cell(FLOOR_POOLED, text);
  // The fastest of the Node floors that ran (and the cell marker of its anchor).
  const floors1: [PathRuns, (t: string) => string][] = [
    [floorUndici1, fu],
    [floorHttp1, fh],
    [floorPooled1, fp],
  ];
  const [floor1, ff] = floors1.reduce((best, f) => (f[0].speed.length > 0 && !(med(best[0]) >= med(f[0])) ? f : best));
  // For 8 clients: the faster of the two floors measured there.
  const [floorBestN, ffN] = median(floorPooledN) > median(floorN) || floorN.length === 0 ? [floorPooledN, fp] : [floorN, fu];
  const n = (text: string) => anchors.cell(NATIVE, text);
  const cpu = (r: PathRuns) => (r.cpu.length ? median(r.cpu).toFixed(2) : 'n/a');
  const flt = (r: PathRuns) => (r.faults.length ? Math.round(median(r.faults)).toLocaleString('en-US') : 'n/a');
  const row1 = (name: string, r: PathRuns, carriers: string, cell: (t: string) => string = (t) => t) => [
    name,
    cell(spread(r.speed, fmtMBps)),
    carriers,
    cell(cpu(r)),
    cell(flt(r)),
    n(ratio(med(r), med(native1))),
    d(ratio(med(r), med(direct1))),
  ];
  const targets: TargetCheck[] = [
    {
      target: 'issue 16: proxy, 1 client >= 0.9 of nginx reverse proxy',
      measured: `${n(ratio(med(proxy1), med(native1)))} (ours ${cpu(proxy1)} CPU-s/GB vs nginx ${n(cpu(native1))})`,
      met: judgeNative ? med(proxy1) >= 0.9 * med(native1) : null,
    },
    {
      target: `issue 16: proxy, ${CLIENTS} clients (aggregate) >= 1.0 of nginx reverse proxy (the Go prototype's level: 0.94-1.06 of it), RSS flat`,
      measured: `${n(ratio(median(proxyN), median(nativeN)))}, RSS +${fmtKiB(growth)}`,
      met: judgeNative ? median(proxyN) >= median(nativeN) && growth < 64 * 1024 : null,
    },
    {
      target: 'issue 16: proxy, 1 client >= 1.0 of the Go prototype',
      measured: `not measurable here (the peer scenario, TF_OCI_BENCH_PEER_URL, runs it); the physical limit beside it: nginx, a native copying proxy, at ${n(fmtMBps(med(native1)))} and ${n(cpu(native1))} CPU-s/GB; ours ${fmtMBps(med(proxy1))} and ${cpu(proxy1)} CPU-s/GB with ${flt(proxy1)} faults per 100 MB`,
      met: null,
    },
    {
      target: 'the limit beside the 0.9 goal: the best Node floor proxy (no code of ours), 1 client, vs nginx reverse proxy',
      measured: `Node floor ${ff(fmtMBps(med(floor1)))} at ${ff(cpu(floor1))} CPU-s/GB = ${n(ratio(med(floor1), med(native1)))} of nginx's proxy; ours ${ff(ratio(med(proxy1), med(floor1)))} of the Node floor`,
      met: null,
    },
    {
      target: `the limit beside the 1.0 goal, ${CLIENTS} clients: the best Node floor proxy (no code of ours), aggregate, vs nginx reverse proxy`,
      measured: `Node floor ${ffN(fmtMBps(median(floorBestN)))} = ${n(ffN(ratio(median(floorBestN), median(nativeN))))} of nginx's proxy; ours ${ffN(ratio(median(proxyN), median(floorBestN)))} of the Node floor`,
      met: null,
    },
    {
      target: 'X-Accel offload (nginx carries the bytes): >= 0.9 of nginx reverse proxy, 1 client',
      measured: `${n(ratio(med(offload1), med(native1)))}; nginx + server ${cpu(offload1)} CPU-s/GB (nginx proxy ${n(cpu(native1))})`,
      met: judgeNative ? med(offload1) >= 0.9 * med(native1) : null,
    },
    {
      target: 'proxy >= 80 % of direct throughput, 1 client',
      measured: anchors.measured([DIRECT], ratio(med(proxy1), med(direct1))),
      met: judge ? med(proxy1) >= 0.8 * med(direct1) : null,
    },
    {
      target: `proxy >= 80 % of direct throughput, ${CLIENTS} clients`,
      measured: anchors.measured([DIRECT], ratio(median(proxyN), median(directN))),
      met: judge ? median(proxyN) >= 0.8 * median(directN) : null,
    },
    {
      target:
        'the limit beside the 0.8 goal: a proxy makes two loopback copies where direct makes one; nginx reverse proxy vs registry direct',
      measured: anchors.measured(
        [DIRECT, NATIVE],
        `nginx's proxy ${ratio(med(native1), med(direct1))} of direct with 1 client, ${ratio(median(nativeN), median(directN))} with ${CLIENTS}; ours ${ratio(med(proxy1), med(native1))} and ${ratio(median(proxyN), median(nativeN))} of nginx's proxy; direct mode (download_mode = "direct") serves the registry's URL itself: ${ratio(med(directMode1), med(direct1))} of direct`,
      ),
      met: null,
    },
    {
      target: `server RSS flat during ${CLIENTS} concurrent downloads (growth < 64 MB; buffering would be ${CLIENTS} × ${sizeMB} MB)`,
      measured: `+${fmtKiB(growth)} (peak ${fmtKiB(Math.max(...rssPeak))})`,
      met: growth < 64 * 1024,
    },
  ];
  const columns = [
    'path',
    'MB/s, median (min–max)',
    'bytes carried by',
    'CPU-s per GB',
    'minor faults per 100 MB',
    'ratio to nginx proxy',
    'ratio to registry direct',
  ];
  return {
    tables: [
      {
        title: `1 client: a ${sizeMB} MB zip (${size} bytes), curl -o /dev/null, ${singleRuns} runs interleaved, medians`,
        columns,
        rows: [
          row1('ours, proxy (download_url)', proxy1, 'our server'),
          row1('ours, X-Accel-Redirect offload via nginx', offload1, 'nginx (+ our server: ticket, HEAD)'),
          row1('ours, direct mode (download_url = registry blob URL)', directMode1, 'nothing (our server idle)'),
          row1('anchor: nginx reverse proxy', native1, 'nginx', n),
          row1('anchor: Node floor proxy, undici client', floorUndici1, 'a 40-line Node proxy', fu),
          row1('anchor: Node floor proxy, node:http client', floorHttp1, 'a 40-line Node proxy', fh),
          row1(
            "anchor: Node floor proxy, pooled buffers (our client's design, none of its code)",
            floorPooled1,
            'a 60-line Node proxy',
            fp,
          ),
          row1('anchor: registry blob URL', direct1, 'nothing', d),
        ],
      },
      {
        title: `${CLIENTS} concurrent clients, aggregate (all bytes / longest curl time), ${rounds} rounds, medians (min–max)`,
        columns: ['path', 'MB/s', 'ratio to nginx proxy', 'ratio to registry direct'],
        rows: [
          ['ours, proxy', spread(proxyN, fmtMBps), n(ratio(median(proxyN), median(nativeN))), d(ratio(median(proxyN), median(directN)))],
          [
            'ours, X-Accel offload via nginx',
            spread(offloadN, fmtMBps),
            n(ratio(median(offloadN), median(nativeN))),
            d(ratio(median(offloadN), median(directN))),
          ],
          ['anchor: nginx reverse proxy', n(spread(nativeN, fmtMBps)), n('1.00'), n(d(ratio(median(nativeN), median(directN))))],
          [
            'anchor: Node floor proxy, undici client',
            fu(spread(floorN, fmtMBps)),
            fu(n(ratio(median(floorN), median(nativeN)))),
            fu(d(ratio(median(floorN), median(directN)))),
          ],
          [
            'anchor: Node floor proxy, pooled buffers',
            fp(spread(floorPooledN, fmtMBps)),
            fp(n(ratio(median(floorPooledN), median(nativeN)))),
            fp(d(ratio(median(floorPooledN), median(directN)))),
          ],
          [
            'anchor: registry blob URL (= ours in direct mode)',
            d(spread(directN, fmtMBps)),
            n(d(ratio(median(directN), median(nativeN)))),
            d('1.00'),
          ],
        ],
      },
      {
        title: `Server memory during ${CLIENTS} concurrent proxied downloads (VmRSS polled every 20 ms)`,
        columns: ['round', 'RSS before', 'peak RSS during', 'growth'],
        rows: rssPeak.map((p, i) => [String(i + 1), fmtKiB(rssBefore[i]!), fmtKiB(p), `+${fmtKiB(p - rssBefore[i]!)}`]),
      },
    ],
    targets,
    notes: [
      ...anchors.notes(),
      ...(ctx.quick
        ? [
            'Quick mode: a 16 MB zip and 2 runs, so the CPU per GB of our servers still includes their warm-up (first-use compilation): read it in full mode.',
          ]
        : []),
      `Upstream requests per proxied download: ${perDownload}.`,
      'nginx reverse proxy: Debian nginx, one worker, proxy_pass to the same blob URL with upstream keep-alive and in-memory buffers (16 × 256 KiB, never spooled to disk): a native copying proxy, the ceiling for any proxy that reads the bytes and writes them again on this box.',
      'Node floor proxy: bench/lib/node-floor-proxy.ts, a node:http server that fetches the same blob URL (undici `request`, or node:http `get`, piped to the response; or a bare socket reading into reused 128 KiB buffers written to the response, the design of our download client, src/oci/remote/socket-client.ts, with none of its code) and sends the bytes on; no framework, auth, tickets, logs or metrics. The fastest of the three is what the runtime reaches on this box: the limit of any proxy written in Node, ours included.',
      'X-Accel offload: a second server (download_offload = "x-accel-redirect", same secret: the same download URLs) behind nginx with the offload site of docs/mirror.md#download-offload; the server checks the ticket and HEADs the blob, nginx fetches and streams it. Direct mode: a third server (download_mode = "direct", auth.mode = "none"), asked for its download JSON once and stopped; its download_url is curled.',
      'CPU-s per GB and faults: utime + stime and minflt of the processes carrying the bytes between the registry and curl, read from /proc before and after each single-client download (our server for proxy; nginx for the nginx proxy; nginx and the offload server for the offload; none for direct).',
      "CPU: not pinned: curl, the registry and the proxy share 2 cores. Direct = registry -> curl (one loopback copy); proxy = registry -> proxy -> curl (two loopback copies). The server checks the size of proxied zips only (fetchBlob verify = 'size'): terraform and tofu verify the zip against the signed SHA256SUMS and the lock file themselves.",
      'The aggregate for 8 clients is total bytes / the longest curl time_total (all 8 start together).',
      'Content is page-cached by the registry after the warm-up, so disks are not in the path.',
      ...(ctx.quick
        ? []
        : [
            `JIT warm-up: before measuring, our server and each Node floor proxy carried ${(JIT_WARM_BYTES / 1e9).toFixed(1)} GB in rounds of ${CLIENTS} concurrent downloads: a fresh Node proxy runs its first 100 MB downloads at 0.4-0.6 of its steady speed until V8 has optimized its per-chunk functions (bench/findings.md, "Downloads: a gigabyte of JIT warm-up").`,
          ]),
    ],
  };
}
