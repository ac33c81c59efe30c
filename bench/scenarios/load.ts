// Scenario — load (issue 17): many clients at once against the one server process.
//  - 500 concurrent downloads of one 50 MB provider zip through its signed download URL (the
//    `download_url` of the providers.v1 download JSON), every byte checked (sha256 of each body against
//    the zip's digest); the server's RSS is polled every 20 ms meanwhile (peak) and its VmHWM read after.
//  - 1,000 concurrent metadata clients, each sending a few providers.v1 requests in a row (versions list,
//    download JSON): p50 / p99 / max latency and errors.
// Quick mode: 20 downloads of 8 MB, 100 metadata clients.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { providerRepository } from '../../src/layout/names.js';
import { pushProviderVersions, pushZipFile, writeRandomZip } from '../lib/fixtures.js';
import { procStatusKiB, sampleRss } from '../lib/processes.js';
import { fmtKiB, fmtMBps, fmtMs, percentile } from '../lib/stats.js';
import type { BenchContext, Scenario, ScenarioResult } from '../scenario.js';

const NAMESPACE = 'acme';
const TYPE = 'loadzip';
const VERSION = '1.0.0';

interface Sizes {
  downloads: number;
  zipMB: number;
  metadataClients: number;
  requestsPerClient: number;
}

async function setup(ctx: BenchContext, zipMB: number): Promise<{ url: string; digestHex: string; size: number }> {
  const repository = providerRepository('', ctx.server.registryHostname, NAMESPACE, TYPE);
  const zipPath = join(ctx.tmp, `terraform-provider-${TYPE}_${VERSION}_linux_amd64.zip`);
  const { h1 } = await writeRandomZip(zipPath, `terraform-provider-${TYPE}_v${VERSION}`, zipMB * 1_000_000);
  const zip = await pushZipFile(ctx.pushStore, repository, zipPath, h1);
  await rm(zipPath, { force: true });
  await pushProviderVersions(ctx.pushStore, ctx.signer, {
    repository,
    type: TYPE,
    versions: [VERSION],
    platforms: [{ os: 'linux', arch: 'amd64' }],
    zips: new Map([['linux_amd64', zip]]),
  });
  const meta = await fetch(`${ctx.server.url}/v1/providers/${NAMESPACE}/${TYPE}/${VERSION}/download/linux/amd64`);
  if (meta.status !== 200) throw new Error(`download JSON: ${meta.status} ${await meta.text()}`);
  const body = (await meta.json()) as { download_url: string; shasum: string };
  return { url: body.download_url, digestHex: zip.desc.digest.slice('sha256:'.length), size: zip.desc.size };
}

/** `n` concurrent GETs of `url`, each body hashed as it streams: bytes, wrong bodies, errors, seconds. */
async function concurrentDownloads(url: string, n: number, digestHex: string, size: number) {
  const agent = new Agent({ connections: n, keepAliveTimeout: 5_000, headersTimeout: 600_000, bodyTimeout: 600_000 });
  let wrong = 0;
  const reasons = new Map<string, number>();
  const errors: string[] = [];
  let bytes = 0;
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: n }, async () => {
        try {
          const res = await request(url, { dispatcher: agent });
          const hash = createHash('sha256');
          let got = 0;
          for await (const chunk of res.body) {
            hash.update(chunk as Buffer);
            got += (chunk as Buffer).length;
          }
          bytes += got;
          const reason =
            res.statusCode !== 200
              ? `HTTP ${res.statusCode}`
              : got !== size
                ? 'short body'
                : hash.digest('hex') !== digestHex
                  ? 'sha256 differs'
                  : null;
          if (reason !== null) {
            wrong++;
            reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
          }
        } catch (err) {
          errors.push(String(err));
        }
      }),
    );
  } finally {
    await agent.close();
  }
  return { wrong, reasons, errors, bytes, seconds: (performance.now() - t0) / 1000 };
}

/** `clients` concurrent clients, each sending `perClient` metadata GETs in a row: latencies and errors. */
async function metadataLoad(base: string, clients: number, perClient: number) {
  const agent = new Agent({ connections: clients, keepAliveTimeout: 5_000, headersTimeout: 120_000, bodyTimeout: 120_000 });
  const paths = [`/v1/providers/${NAMESPACE}/${TYPE}/versions`, `/v1/providers/${NAMESPACE}/${TYPE}/${VERSION}/download/linux/amd64`];
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let i = 0; i < perClient; i++) {
          const started = performance.now();
          try {
            const res = await request(base + paths[(c + i) % paths.length]!, { dispatcher: agent });
            await res.body.text();
            latencies.push(performance.now() - started);
            if (res.statusCode !== 200) errors.set(`HTTP ${res.statusCode}`, (errors.get(`HTTP ${res.statusCode}`) ?? 0) + 1);
          } catch (err) {
            const key = (err as { code?: string }).code ?? String(err);
            errors.set(key, (errors.get(key) ?? 0) + 1);
          }
        }
      }),
    );
  } finally {
    await agent.close();
  }
  return { latencies, errors, seconds: (performance.now() - t0) / 1000 };
}

export const loadScenario: Scenario = {
  id: 'load',
  title: 'Load: 500 concurrent 50 MB downloads through signed URLs, 1,000 concurrent metadata clients',
  quick: true,
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const s: Sizes = ctx.quick
      ? { downloads: 20, zipMB: 8, metadataClients: 100, requestsPerClient: 3 }
      : { downloads: 500, zipMB: 50, metadataClients: 1000, requestsPerClient: 5 };
    ctx.log(`load: generating a ${s.zipMB} MB random provider zip and pushing it`);
    const { url, digestHex, size } = await setup(ctx, s.zipMB);

    ctx.log(`load: ${s.downloads} concurrent downloads of ${s.zipMB} MB`);
    const rssBefore = procStatusKiB(ctx.server.pid, 'VmRSS');
    const sampler = sampleRss(ctx.server.pid, 20);
    const dl = await concurrentDownloads(url, s.downloads, digestHex, size);
    const peak = sampler.stop().maxKiB;

    ctx.log(`load: ${s.metadataClients} concurrent metadata clients x ${s.requestsPerClient} requests`);
    const md = await metadataLoad(ctx.server.url, s.metadataClients, s.requestsPerClient);
    const errorCount = [...md.errors.values()].reduce((a, b) => a + b, 0);
    const dlOk = dl.wrong === 0 && dl.errors.length === 0;
    return {
      tables: [
        {
          title: `${s.downloads} concurrent downloads of one ${s.zipMB} MB zip (signed download URL, proxy mode)`,
          columns: [
            'bodies byte-correct (sha256)',
            'wrong / failed',
            'aggregate',
            'wall time',
            'server RSS before',
            'server peak RSS (20 ms poll)',
            'server VmHWM after',
          ],
          rows: [
            [
              `${s.downloads - dl.wrong - dl.errors.length} / ${s.downloads}`,
              `${dl.wrong}${dl.wrong > 0 ? ` (${[...dl.reasons].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''} / ${dl.errors.length}${dl.errors[0] ? ` (${dl.errors[0].slice(0, 80)})` : ''}`,
              fmtMBps(dl.bytes / dl.seconds),
              `${dl.seconds.toFixed(1)} s`,
              fmtKiB(rssBefore),
              fmtKiB(peak),
              fmtKiB(ctx.server.hwmKiB()),
            ],
          ],
        },
        {
          title: `${s.metadataClients} concurrent metadata clients, ${s.requestsPerClient} providers.v1 requests each`,
          columns: ['requests', 'p50', 'p99', 'max', 'errors', 'wall time'],
          rows: [
            [
              String(s.metadataClients * s.requestsPerClient),
              fmtMs(percentile(md.latencies, 50)),
              fmtMs(percentile(md.latencies, 99)),
              fmtMs(Math.max(...md.latencies, 0)),
              errorCount === 0 ? '0' : [...md.errors].map(([k, v]) => `${k} ${v}`).join(', '),
              `${md.seconds.toFixed(1)} s`,
            ],
          ],
        },
      ],
      targets: [
        {
          target: 'every concurrent download byte-correct',
          measured: dlOk ? 'all' : `${dl.wrong} wrong, ${dl.errors.length} failed`,
          met: dlOk,
        },
        { target: 'no metadata request fails under 1,000 clients', measured: `${errorCount} errors`, met: errorCount === 0 },
      ],
      notes: [
        'The load generator (this process: undici, one connection per client, sha256 of every body) shares the 2 cores with the server and the registry: aggregate throughput is bounded by that, not by the server alone.',
        'Peak RSS: VmRSS of the server process polled every 20 ms during the downloads; VmHWM covers the whole suite up to this point.',
      ],
    };
  },
};
