// Scenario 3 — downloads: a 100 MB provider zip (random bytes, generated per run, never committed)
// fetched with curl through tf-oci-registry (proxy mode: the download_url of the providers.v1 download
// JSON) and straight from the registry's blob URL, 1 client (several runs, median) and 8 concurrent
// clients (aggregate, several rounds, median). A second anchor, nginx as a reverse proxy of the same blob
// URL, shows what a native (C) copying proxy reaches on the same box: the ceiling of any proxy that reads
// the bytes and writes them again. The server's RSS is polled every 20 ms during the 8-client rounds: it
// must stay flat (streams, no buffering).
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { providerRepository } from '../../src/layout/names.js';
import type { BenchContext, Scenario, ScenarioResult, TargetCheck } from '../scenario.js';
import { pushProviderVersions, pushZipFile, writeRandomZip } from '../lib/fixtures.js';
import { AnchorRuns, measureOurs } from '../lib/anchor.js';
import { curlConcurrent, curlDownload } from '../lib/curl.js';
import { startNginxProxy } from '../lib/nginx.js';
import { procStatusKiB, sampleRss } from '../lib/processes.js';
import { fmtCount } from '../lib/registry.js';
import { fmtKiB, fmtMBps, median, ratio, spread } from '../lib/stats.js';

const NAMESPACE = 'acme';
const TYPE = 'bigzip';
const VERSION = '1.0.0';
const CLIENTS = 8;
/** Anchor names (report lines and unavailable figures). */
const DIRECT = 'registry blob URL (direct)';
const NATIVE = 'nginx reverse proxy';

/** Pushes a provider version whose one zip holds `sizeMB` MB of random bytes; returns both URLs of it. */
export async function setupBigZip(
  ctx: Pick<BenchContext, 'pushStore' | 'signer' | 'server' | 'registry' | 'tmp'>,
  sizeMB: number,
): Promise<{ proxyUrl: string; directUrl: string; size: number }> {
  const repository = providerRepository('', ctx.server.registryHostname, NAMESPACE, TYPE);
  const platform = { os: 'linux', arch: 'amd64' };
  const zipPath = join(ctx.tmp, `terraform-provider-${TYPE}_${VERSION}_linux_amd64.zip`);
  const { h1 } = await writeRandomZip(zipPath, `terraform-provider-${TYPE}_v${VERSION}`, sizeMB * 1_000_000);
  const zip = await pushZipFile(ctx.pushStore, repository, zipPath, h1);
  await rm(zipPath, { force: true });
  await pushProviderVersions(ctx.pushStore, ctx.signer, {
    repository,
    type: TYPE,
    versions: [VERSION],
    platforms: [platform],
    zips: new Map([['linux_amd64', zip]]),
  });
  const meta = await fetch(`${ctx.server.url}/v1/providers/${NAMESPACE}/${TYPE}/${VERSION}/download/linux/amd64`);
  if (meta.status !== 200) throw new Error(`download JSON: ${meta.status} ${await meta.text()}`);
  const proxyUrl = ((await meta.json()) as { download_url: string }).download_url;
  return { proxyUrl, directUrl: `${ctx.registry.url}/v2/${repository}/blobs/${zip.desc.digest}`, size: zip.desc.size };
}

export const downloadsScenario: Scenario = {
  id: 'downloads',
  title: '3. Downloads: proxy through tf-oci-registry vs the registry blob URL',
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
    try {
      return await measure(ctx, anchors, sizeMB, size, proxyUrl, directUrl, nativeUrl);
    } finally {
      await nginx?.stop();
    }
  },
};

/** Pushes `value` when the anchor run gave one (an unavailable anchor leaves its list short or empty). */
function pushDefined(list: number[], value: number | undefined): void {
  if (value !== undefined) list.push(value);
}

async function measure(
  ctx: BenchContext,
  anchors: AnchorRuns,
  sizeMB: number,
  size: number,
  proxyUrl: string,
  directUrl: string,
  nativeUrl: string | undefined,
): Promise<ScenarioResult> {
  // Anchors are retried and may end up unavailable; our proxied downloads run once and must succeed.
  const anchorOne = async (name: string, url: string | undefined) =>
    url === undefined ? undefined : (await anchors.measure(name, () => curlDownload(url, size)))?.speed;
  const anchorMany = async (name: string, url: string | undefined) =>
    url === undefined ? undefined : (await anchors.measure(name, () => curlConcurrent(url, size, CLIENTS)))?.aggregate;
  const oursOne = async () => (await measureOurs('proxied download', () => curlDownload(proxyUrl, size))).speed;

  // Warm-up (page cache, connection pool, JIT) and one upstream count per proxied download.
  await anchorOne(DIRECT, directUrl);
  await anchorOne(NATIVE, nativeUrl);
  const mark = ctx.registry.mark();
  await oursOne();
  const perDownload = fmtCount(ctx.registry.countSince(mark, 'tf-oci-registry'));

  const singleRuns = ctx.quick ? 2 : 7;
  const direct1: number[] = [];
  const proxy1: number[] = [];
  const native1: number[] = [];
  for (let i = 0; i < singleRuns; i++) {
    pushDefined(direct1, await anchorOne(DIRECT, directUrl));
    proxy1.push(await oursOne());
    pushDefined(native1, await anchorOne(NATIVE, nativeUrl));
  }

  const rounds = ctx.quick ? 1 : 3;
  const directN: number[] = [];
  const proxyN: number[] = [];
  const nativeN: number[] = [];
  const rssBefore: number[] = [];
  const rssPeak: number[] = [];
  for (let i = 0; i < rounds; i++) {
    pushDefined(directN, await anchorMany(DIRECT, directUrl));
    rssBefore.push(procStatusKiB(ctx.server.pid, 'VmRSS'));
    const sampler = sampleRss(ctx.server.pid, 20);
    try {
      proxyN.push((await measureOurs(`${CLIENTS} concurrent proxied downloads`, () => curlConcurrent(proxyUrl, size, CLIENTS))).aggregate);
    } finally {
      rssPeak.push(sampler.stop().maxKiB);
    }
    pushDefined(nativeN, await anchorMany(NATIVE, nativeUrl));
  }
  const growth = Math.max(...rssPeak.map((p, i) => p - rssBefore[i]!));
  ctx.log(
    `downloads: 1 client direct ${fmtMBps(median(direct1))} vs proxy ${fmtMBps(median(proxy1))} (nginx proxy ${fmtMBps(median(native1))}); ${CLIENTS} clients direct ${fmtMBps(median(directN))} vs proxy ${fmtMBps(median(proxyN))} (nginx proxy ${fmtMBps(median(nativeN))}); RSS +${fmtKiB(growth)}`,
  );

  const judge = !ctx.quick && !anchors.anyUnavailable([DIRECT]);
  const d = (text: string) => anchors.cell(DIRECT, text);
  const n = (text: string) => anchors.cell(NATIVE, text);
  const targets: TargetCheck[] = [
    {
      target: 'proxy >= 80 % of direct throughput, 1 client',
      measured: anchors.measured([DIRECT], ratio(median(proxy1), median(direct1))),
      met: judge ? median(proxy1) >= 0.8 * median(direct1) : null,
    },
    {
      target: `proxy >= 80 % of direct throughput, ${CLIENTS} clients`,
      measured: anchors.measured([DIRECT], ratio(median(proxyN), median(directN))),
      met: judge ? median(proxyN) >= 0.8 * median(directN) : null,
    },
    {
      target: `server RSS flat during ${CLIENTS} concurrent downloads (growth < 64 MB; buffering would be ${CLIENTS} × ${sizeMB} MB)`,
      measured: `+${fmtKiB(growth)} (peak ${fmtKiB(Math.max(...rssPeak))})`,
      met: growth < 64 * 1024,
    },
  ];
  return {
    tables: [
      {
        title: `Throughput of a ${sizeMB} MB zip (${size} bytes), curl -o /dev/null, medians (min–max)`,
        columns: [
          'clients',
          'direct (registry blob URL)',
          'proxy (tf-oci-registry download_url)',
          'ratio proxy/direct',
          'nginx reverse proxy (native)',
          'ratio nginx proxy/direct',
          'ratio ours/nginx proxy',
          'runs',
        ],
        rows: [
          [
            '1',
            d(spread(direct1, fmtMBps)),
            spread(proxy1, fmtMBps),
            d(ratio(median(proxy1), median(direct1))),
            n(spread(native1, fmtMBps)),
            n(d(ratio(median(native1), median(direct1)))),
            n(ratio(median(proxy1), median(native1))),
            String(singleRuns),
          ],
          [
            `${CLIENTS} (aggregate)`,
            d(spread(directN, fmtMBps)),
            spread(proxyN, fmtMBps),
            d(ratio(median(proxyN), median(directN))),
            n(spread(nativeN, fmtMBps)),
            n(d(ratio(median(nativeN), median(directN)))),
            n(ratio(median(proxyN), median(nativeN))),
            `${rounds} rounds`,
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
      `Upstream requests per proxied download: ${perDownload}.`,
      'nginx reverse proxy: Debian nginx, one worker, proxy_pass to the same blob URL with upstream keep-alive and in-memory buffers (16 × 256 KiB, never spooled to disk): a native copying proxy, the ceiling for any proxy that reads the bytes and writes them again on this box.',
      "CPU: not pinned: curl, the registry and (for the proxy) the Node server share 2 cores. Direct = registry -> curl (one loopback copy); proxy = registry -> node -> curl (two loopback copies). The server checks the size of proxied zips only (fetchBlob verify = 'size'): terraform and tofu verify the zip against the signed SHA256SUMS and the lock file themselves.",
      'The aggregate for 8 clients is total bytes / the longest curl time_total (all 8 start together).',
      'Content is page-cached by the registry after the warm-up, so disks are not in the path.',
    ],
  };
}
