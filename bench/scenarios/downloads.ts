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
// every 20 ms during the 8-client rounds: it must stay flat (streams, no buffering). This file measures;
// downloads-report.ts judges the targets and renders the tables.
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { providerRepository } from '../../src/layout/names.js';
import type { BenchContext, Scenario, ScenarioResult } from '../scenario.js';
import { pushProviderVersions, pushZipFile, writeRandomZip } from '../lib/fixtures.js';
import { AnchorRuns, measureOurs } from '../lib/anchor.js';
import { curlConcurrent, curlDownload, type CurlResult, JIT_WARM_BYTES, warmDownloads } from '../lib/curl.js';
import { startNginxProxy } from '../lib/nginx.js';
import { startNodeFloor } from '../lib/node-floor.js';
import { procStatusKiB, sampleRss } from '../lib/processes.js';
import { startDirectServer, startOffloadStack, withCost, type OffloadStack } from '../lib/download-modes.js';
import { fmtCount } from '../lib/registry.js';
import { fmtKiB, fmtMBps, median } from '../lib/stats.js';
import {
  CLIENTS,
  DIRECT,
  type DownloadRuns,
  downloadsResult,
  FLOOR_HTTP,
  FLOOR_POOLED,
  FLOOR_UNDICI,
  NATIVE,
  type PathRuns,
  pathRuns,
  rssGrowth,
} from './downloads-report.js';

const NAMESPACE = 'acme';
const TYPE = 'bigzip';
const VERSION = '1.0.0';

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

/** Runs every path (warm-up, single-client runs, 8-client rounds, interleaved) and reports them (downloads-report.ts). */
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
  for (const [name, floor] of [
    [FLOOR_UNDICI, u.floorUndici],
    [FLOOR_HTTP, u.floorHttp],
    [FLOOR_POOLED, u.floorPooled],
  ] as const) {
    if (floor) await anchors.measure(name, () => warmDownloads(floor.url, size, warmBytes, CLIENTS));
  }

  const singleRuns = ctx.quick ? 2 : 7;
  const direct1 = pathRuns();
  const proxy1 = pathRuns();
  const native1 = pathRuns();
  const offload1 = pathRuns();
  const directMode1 = pathRuns();
  const floorUndici1 = pathRuns();
  const floorHttp1 = pathRuns();
  const floorPooled1 = pathRuns();
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
  const runsOf: DownloadRuns = {
    quick: ctx.quick,
    sizeMB,
    size,
    singleRuns,
    rounds,
    perDownload,
    one: {
      direct: direct1,
      proxy: proxy1,
      native: native1,
      offload: offload1,
      directMode: directMode1,
      floorUndici: floorUndici1,
      floorHttp: floorHttp1,
      floorPooled: floorPooled1,
    },
    many: { direct: directN, proxy: proxyN, native: nativeN, offload: offloadN, floorUndici: floorN, floorPooled: floorPooledN },
    rssBefore,
    rssPeak,
  };
  const med = (r: PathRuns) => median(r.speed);
  ctx.log(
    `downloads: 1 client proxy ${fmtMBps(med(proxy1))} (${median(proxy1.cpu).toFixed(2)} CPU-s/GB), offload ${fmtMBps(med(offload1))}, direct mode ${fmtMBps(med(directMode1))}, nginx proxy ${fmtMBps(med(native1))}, registry ${fmtMBps(med(direct1))}; ${CLIENTS} clients proxy ${fmtMBps(median(proxyN))}, offload ${fmtMBps(median(offloadN))}, nginx proxy ${fmtMBps(median(nativeN))}, registry ${fmtMBps(median(directN))}; RSS +${fmtKiB(rssGrowth(runsOf))}`,
  );
  return downloadsResult(anchors, runsOf);
}
