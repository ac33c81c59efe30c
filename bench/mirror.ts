// Mirror population benchmark (docs/mirror.md): the `mirror` import of a provider release from a
// providers.v1 upstream into the OCI registry, against the plain work it cannot avoid: downloading the
// same zips from the same upstream and pushing the same bytes to the same registry (the anchor). The
// upstream is the suite's tf-oci-registry server over the suite's Distribution registry; each round
// imports into a fresh prefix, so nothing is skipped. Ratio = anchor time / import time (goal >= 0.8).
// Also reports the import's extra work per byte: the signature check, the sha256 while streaming, the
// h1 (an unzip) and the index writes. Runs in-process (the import code itself, not a child process).
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { request } from 'undici';
import { loadConfig } from '../src/config/load.js';
import { providerRepository } from '../src/layout/names.js';
import { parseDigest } from '../src/oci/types.js';
import { createLogger, createServerDeps, createStore } from '../src/wiring/server-app.js';
import type { Scenario, ScenarioResult } from './scenario.js';
import { AnchorRuns, measureOurs } from './lib/anchor.js';
import { pushProviderVersions, pushZipFile, writeRandomZip, type PushedZip } from './lib/fixtures.js';
import { median } from './lib/stats.js';

const TYPE = 'mirrorbench';
const PLATFORMS = [
  { os: 'linux', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' },
];

export const scenario: Scenario = {
  id: 'mirror',
  title: 'Mirror population: `mirror` import vs download + push of the same bytes',
  quick: true,
  async run(ctx): Promise<ScenarioResult> {
    const size = ctx.quick ? 4 * 1024 * 1024 : 100 * 1024 * 1024;
    const rounds = ctx.quick ? 1 : 3;
    const host = new URL(ctx.server.url).host;
    const upstreamRepo = providerRepository('', host, 'acme', TYPE);
    ctx.log(`mirror: pushing a ${PLATFORMS.length}-platform release of ${(size / 1024 / 1024).toFixed(0)} MB zips`);
    const zips = new Map<string, PushedZip>();
    for (const p of PLATFORMS) {
      const path = join(ctx.tmp, `mirror-${p.os}_${p.arch}.zip`);
      const { h1 } = await writeRandomZip(path, `terraform-provider-${TYPE}_v1.0.0`, size);
      zips.set(`${p.os}_${p.arch}`, await pushZipFile(ctx.pushStore, upstreamRepo, path, h1));
    }
    await pushProviderVersions(ctx.pushStore, ctx.signer, {
      repository: upstreamRepo,
      type: TYPE,
      versions: ['1.0.0'],
      platforms: PLATFORMS,
      zips,
    });
    const totalBytes = [...zips.values()].reduce((n, z) => n + z.desc.size, 0);

    const anchors = new AnchorRuns({ log: (m) => ctx.log(`mirror: ${m}`) });
    const ours: number[] = [];
    const plain: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const t = await anchors.measure('download + push', () => downloadAndPush(ctx.server.url, ctx.registry.url, `anchor-r${round}`, host));
      if (t !== undefined) plain.push(t);
      ours.push(await measureOurs('mirror import', () => importOnce(ctx.server.url, ctx.registry.url, `mirror-r${round}`, host)));
      ctx.log(`mirror: round ${round + 1}: import ${ours.at(-1)!.toFixed(2)} s, download + push ${t?.toFixed(2) ?? 'unavailable'} s`);
    }
    const mbps = (s: number) => `${(totalBytes / 1024 / 1024 / s).toFixed(0)} MB/s`;
    const oursS = median(ours);
    const plainS = plain.length > 0 ? median(plain) : undefined;
    const ratio = plainS !== undefined ? plainS / oursS : undefined;
    return {
      tables: [
        {
          title: `Import of one release (${PLATFORMS.length} platforms × ${(size / 1024 / 1024).toFixed(0)} MB), median of ${rounds} round(s)`,
          columns: ['what', 'seconds', 'throughput', 'ratio (anchor / ours)'],
          rows: [
            [
              'tf-oci-registry mirror (verify signature, stream + sha256, h1, push, index)',
              oursS.toFixed(2),
              mbps(oursS),
              ratio !== undefined ? ratio.toFixed(2) : 'n/a',
            ],
            [
              'anchor: download each zip + push the same bytes',
              anchors.cell('download + push', plainS !== undefined ? plainS.toFixed(2) : ''),
              plainS !== undefined ? mbps(plainS) : '',
              '',
            ],
          ],
        },
      ],
      targets: [
        {
          target: 'import throughput >= 0.8 of a plain download + push',
          measured: anchors.measured(['download + push'], ratio !== undefined ? ratio.toFixed(2) : ''),
          met: ctx.quick || ratio === undefined ? null : ratio >= 0.8,
        },
      ],
      notes: [
        'Both read the same providers.v1 upstream (the suite server, proxying the registry) and write to the same Distribution registry, into a fresh prefix per round.',
        'The import streams each zip to a temp file and to the registry at once (the registry checks the digest; nothing is tagged before every check passed), then computes h1 from the file (an unzip of the whole zip) and writes the index; it fetches 2 platforms at a time. The anchor streams each download straight into its push, one platform after the other, as a simple script would.',
        ...anchors.notes(),
      ],
    };
  },
};

/** One `mirror` import, in-process, through the one wiring (a fresh config with this prefix). */
async function importOnce(upstreamUrl: string, registryUrl: string, prefix: string, host: string): Promise<number> {
  const config = loadConfig({
    env: {
      TF_OCI_REGISTRY_STORAGE_KIND: 'registry',
      TF_OCI_REGISTRY_STORAGE_URL: registryUrl,
      TF_OCI_REGISTRY_STORAGE_PLAIN_HTTP: 'true',
      TF_OCI_REGISTRY_STORAGE_PREFIX: prefix,
      // The bench registry has no auth: the server's own identity writes (docs/auth.md).
      TF_OCI_REGISTRY_AUTH_MODE: 'none',
      TF_OCI_REGISTRY_MIRROR_UPSTREAM: JSON.stringify([{ hostname: host, url: `${upstreamUrl.replace(/\/$/, '')}/` }]),
    },
    readFile: () => '',
    randomSecret: () => 'bench-secret-0123456789abcdef',
  });
  const logger = createLogger('warn', new Writable({ write: (_c, _e, cb) => cb() }));
  const { mirror } = createServerDeps(config, logger, createStore(config, logger));
  const upstream = mirror.upstream(host)!;
  const started = performance.now();
  const summary = await mirror.importProviders({ source: upstream.source, trustedKeys: upstream.trustedKeys }, [
    { address: { hostname: host, namespace: 'acme', type: TYPE }, versions: ['1.0.0'] },
  ]);
  const seconds = (performance.now() - started) / 1000;
  const failed = [
    ...summary.errors,
    ...summary.results.filter((r) => r.outcome !== 'imported').map((r) => `${r.platform}: ${r.outcome} ${r.detail ?? ''}`),
  ];
  if (failed.length > 0 || summary.results.length !== PLATFORMS.length)
    throw new Error(`import did not import every platform: ${failed.join('; ')}`);
  return seconds;
}

/** The anchor: what any import must do at least, with undici streams and the registry's upload API. */
async function downloadAndPush(upstreamUrl: string, registryUrl: string, prefix: string, host: string): Promise<number> {
  const base = upstreamUrl.replace(/\/$/, '');
  const config = loadConfig({
    env: { TF_OCI_REGISTRY_STORAGE_KIND: 'registry', TF_OCI_REGISTRY_STORAGE_URL: registryUrl, TF_OCI_REGISTRY_STORAGE_PLAIN_HTTP: 'true' },
    readFile: () => '',
    randomSecret: () => 'bench-secret-0123456789abcdef',
  });
  const store = createStore(config, createLogger('warn', new Writable({ write: (_c, _e, cb) => cb() })));
  const repo = providerRepository(prefix, host, 'acme', TYPE);
  const started = performance.now();
  for (const p of PLATFORMS) {
    const info = await request(`${base}/v1/providers/acme/${TYPE}/1.0.0/download/${p.os}/${p.arch}`);
    if (info.statusCode !== 200) throw new Error(`download info: HTTP ${info.statusCode}`);
    const doc = (await info.body.json()) as { download_url: string; shasum: string };
    const zip = await request(new URL(doc.download_url, `${base}/`).href);
    if (zip.statusCode !== 200) throw new Error(`download: HTTP ${zip.statusCode}`);
    const size = Number(zip.headers['content-length']);
    await store.pushBlob(repo, zip.body, { digest: parseDigest(`sha256:${doc.shasum}`), ...(Number.isFinite(size) ? { size } : {}) });
  }
  return (performance.now() - started) / 1000;
}
