// Peer benchmark (issue 16): a peer server that is ALREADY RUNNING, measured beside tf-oci-registry on the
// same data in the same registry process. The peer is the Go prototype this product was specified from
// (apparentlymart/oci-distribution-terraform-registry, network mirror protocol only), built and started by
// hand; nothing of it is in this repository. Without TF_OCI_BENCH_PEER_URL the scenario is skipped, and
// says so in its section.
//
//   TF_OCI_BENCH_PEER_URL       the peer's mirror base URL, e.g. http://127.0.0.1:9000/mirror/
//   TF_OCI_BENCH_PEER_REGISTRY  the (plain HTTP) registry the peer reads, e.g. http://127.0.0.1:5000
//   TF_OCI_BENCH_PEER_PREFIX    the peer's name_prefix (default "peer")
//   TF_OCI_BENCH_PEER_COMMIT    the peer's commit, printed with the results
//
// The scenario pushes one provider version (a random zip of 100 MB, 16 MB in quick mode) into that registry
// twice: in the peer's layout (image manifest, config application/vnd.hashicorp.terraform-provider.config.v1+json,
// one layer application/vnd.hashicorp.terraform.provider-package+zip with io.terraform.target-platforms) and in
// ours (OpenTofu's layout, under our own prefix), starts a second tf-oci-registry on the same registry (and a
// third with server.workers = 0: one worker per core, as the Go runtime uses every core), and measures both
// network mirrors: warm index.json and <version>.json with wrk, and the zip download with curl (1 client, and
// 8 at once) through the URL each mirror lists (the peer with proxy_packages = true proxies, as we do),
// beside the limits of any proxy here: the pooled Node floor proxy and nginx's reverse proxy of the same
// blob. See bench/README.md, "Peers" for the commands that build and start the peer.
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { providerRepository } from '../src/layout/names.js';
import { createRegistryStore } from '../src/oci/remote/registry-store.js';
import { AnchorRuns } from './lib/anchor.js';
import { curlConcurrent, curlDownload, JIT_WARM_BYTES, warmDownloads } from './lib/curl.js';
import { pushProviderVersions, pushZipFile, writeRandomZip } from './lib/fixtures.js';
import { startNginxProxy } from './lib/nginx.js';
import { startNodeFloor } from './lib/node-floor.js';
import { type ServerProcess, startServer } from './lib/server.js';
import { fmtMBps, fmtRate, median, ratio } from './lib/stats.js';
import { runWrk } from './lib/wrk.js';
import type { BenchContext, Scenario, ScenarioResult, Table, TargetCheck } from './scenario.js';

const HOST = 'registry.example.test';
const NAMESPACE = 'acme';
const TYPE = 'peerzip';
const VERSION = '1.0.0';
const PEER_CONFIG_TYPE = 'application/vnd.hashicorp.terraform-provider.config.v1+json';
const PEER_LAYER_TYPE = 'application/vnd.hashicorp.terraform.provider-package+zip';
const FLOOR = 'Node floor proxy (pooled buffers)';
const NGINX = 'nginx reverse proxy';

interface PeerSettings {
  url: string;
  registry: string;
  prefix: string;
  commit: string;
}

function peerSettings(): PeerSettings | string {
  const url = process.env.TF_OCI_BENCH_PEER_URL;
  const registry = process.env.TF_OCI_BENCH_PEER_REGISTRY;
  if (!url) return 'TF_OCI_BENCH_PEER_URL is not set: no peer server to measure (bench/README.md, "Peers")';
  if (!registry) return 'TF_OCI_BENCH_PEER_REGISTRY is not set: the registry the peer reads is needed to push the same data';
  return {
    url: url.endsWith('/') ? url : `${url}/`,
    registry: registry.replace(/\/+$/, ''),
    prefix: process.env.TF_OCI_BENCH_PEER_PREFIX ?? 'peer',
    commit: process.env.TF_OCI_BENCH_PEER_COMMIT ?? 'not given (TF_OCI_BENCH_PEER_COMMIT)',
  };
}

/** The archive URL a network mirror lists for linux_amd64 in <version>.json (absolute). */
async function archiveUrl(versionJson: string): Promise<string> {
  const res = await fetch(versionJson);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${versionJson}: ${res.status} ${text.slice(0, 300)}`);
  const doc = JSON.parse(text) as { archives?: Record<string, { url: string }> };
  const url = doc.archives?.linux_amd64?.url;
  if (!url) throw new Error(`GET ${versionJson}: no linux_amd64 archive in ${text.slice(0, 300)}`);
  return new URL(url, versionJson).href;
}

export const scenario: Scenario = {
  id: 'peer',
  title: 'Peer: the Go prototype (an already running peer) beside tf-oci-registry on the same data',
  quick: true,
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const peer = peerSettings();
    if (typeof peer === 'string') {
      ctx.log(`peer: SKIPPED: ${peer}`);
      return { tables: [{ title: 'SKIPPED', columns: ['reason'], rows: [[peer]] }], targets: [], notes: [`Skipped: ${peer}.`] };
    }
    return measurePeer(ctx, peer);
  },
};

async function measurePeer(ctx: BenchContext, peer: PeerSettings): Promise<ScenarioResult> {
  const sizeMB = ctx.quick ? 16 : 100;
  const store = createRegistryStore({
    url: peer.registry,
    plainHttp: true,
    userAgent: 'tf-oci-bench-push',
    dispatcher: new Agent({ connections: 8 }),
  });
  const zipPath = join(ctx.tmp, `terraform-provider-${TYPE}_${VERSION}_linux_amd64.zip`);
  ctx.log(`peer: a ${sizeMB} MB zip, pushed in both layouts to ${peer.registry}`);
  const { h1 } = await writeRandomZip(zipPath, `terraform-provider-${TYPE}_v${VERSION}`, sizeMB * 1_000_000);

  // The peer's layout: <prefix>/<hostname>/<namespace>/<type>:<version>.
  const peerRepo = `${peer.prefix}/${HOST}/${NAMESPACE}/${TYPE}`;
  const zip = await pushZipFile(store, peerRepo, zipPath, h1);
  const config = Buffer.from('{}');
  const configDesc = await store.pushBlob(peerRepo, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: PEER_CONFIG_TYPE, digest: configDesc.digest, size: configDesc.size },
      layers: [
        {
          mediaType: PEER_LAYER_TYPE,
          digest: zip.desc.digest,
          size: zip.desc.size,
          annotations: { 'io.terraform.target-platforms': 'linux_amd64' },
        },
      ],
    }),
  );
  await store.pushManifest(peerRepo, VERSION, manifest, 'application/vnd.oci.image.manifest.v1+json');

  // Ours, on the same registry process: a second server under its own prefix; and the same with one
  // worker process per core (server.workers = 0, docs/operations.md#workers), as the Go runtime runs the
  // peer's goroutines on every core (GOMAXPROCS defaults to the number of CPUs).
  const oursEnv = { TF_OCI_REGISTRY_STORAGE_PREFIX: 'tfoci-peer-bench', TF_OCI_REGISTRY_SERVER_REGISTRY_HOSTNAME: HOST };
  const ours = await startServer({ root: ctx.root, registryUrl: peer.registry, logDir: ctx.tmp, env: oursEnv });
  let oursWorkers: ServerProcess | undefined;
  try {
    oursWorkers = await startServer({
      root: ctx.root,
      registryUrl: peer.registry,
      logDir: ctx.tmp,
      env: { ...oursEnv, TF_OCI_REGISTRY_SERVER_WORKERS: '0' },
    });
    const ourRepo = providerRepository('tfoci-peer-bench', HOST, NAMESPACE, TYPE);
    const ourZip = await pushZipFile(store, ourRepo, zipPath, h1);
    const signer = ctx.signer;
    await pushProviderVersions(store, signer, {
      repository: ourRepo,
      type: TYPE,
      versions: [VERSION],
      platforms: [{ os: 'linux', arch: 'amd64' }],
      zips: new Map([['linux_amd64', ourZip]]),
    });
    await rm(zipPath, { force: true });
    // Each side's network mirror base URL (the workers' only for downloads).
    const sides = {
      ours: `${ours.url}/mirror/${HOST}/${NAMESPACE}/${TYPE}/`,
      workers: `${oursWorkers.url}/mirror/${HOST}/${NAMESPACE}/${TYPE}/`,
      peer: `${peer.url}${HOST}/${NAMESPACE}/${TYPE}/`,
    };
    const tables: Table[] = [];
    const targets: TargetCheck[] = [];
    const notes: string[] = [
      `Peer: apparentlymart/oci-distribution-terraform-registry at commit ${peer.commit}, at ${peer.url}, reading ${peer.registry} (the same registry process as ours).`,
      'Both mirrors read the same registry; ours caches metadata (read cache), the peer asks the registry on every request.',
    ];

    // Warm metadata, wrk -t1 -c64.
    const durationS = ctx.quick ? 1 : 5;
    const runs = ctx.quick ? 1 : 3;
    const rows: string[][] = [];
    for (const [label, file] of [
      ['index.json', 'index.json'],
      ['<version>.json', `${VERSION}.json`],
    ] as const) {
      const rps: Record<'ours' | 'peer', number[]> = { ours: [], peer: [] };
      for (const side of ['ours', 'peer', 'ours', 'peer'].slice(0, runs * 2) as Array<'ours' | 'peer'>) {
        await (await fetch(sides[side] + file)).arrayBuffer(); // warm
        const r = await runWrk({ url: sides[side] + file, connections: 64, threads: 1, durationS });
        if (r.non2xx > 0) throw new Error(`${side} ${file}: ${r.non2xx} non-2xx answers`);
        rps[side].push(r.rps);
      }
      rows.push([label, fmtRate(median(rps.ours)), fmtRate(median(rps.peer)), ratio(median(rps.ours), median(rps.peer))]);
    }
    tables.push({
      title: `Warm network-mirror metadata, wrk -t1 -c64, ${durationS} s, medians`,
      columns: ['endpoint', 'ours req/s', 'peer req/s', 'ratio ours/peer'],
      rows,
    });

    // Downloads through each mirror's listed archive URL (fresh URLs: the peer's expire after 180 s), and
    // beside them the limits of a proxy on this box: the pooled Node floor proxy (bench/lib/node-floor-proxy.ts,
    // one process, none of our code) and nginx's reverse proxy (one worker), both of the same blob URL.
    const size = ourZip.desc.size;
    const blobPath = `/v2/${ourRepo}/blobs/${ourZip.desc.digest}`;
    const anchors = new AnchorRuns({ log: (msg) => ctx.log(`peer: ${msg}`) });
    const nginxDir = join(ctx.tmp, 'peer-nginx-proxy');
    mkdirSync(nginxDir, { recursive: true });
    const nginx = await anchors.measure(NGINX, () => startNginxProxy(nginxDir, peer.registry));
    const floor = await anchors.measure(FLOOR, () => startNodeFloor(peer.registry, 'pooled'));
    try {
      type Side = keyof typeof sides | 'floor' | 'nginx';
      const one: Record<Side, number[]> = { ours: [], workers: [], peer: [], floor: [], nginx: [] };
      const eight: Record<Side, number[]> = { ours: [], workers: [], peer: [], floor: [], nginx: [] };
      const dlRuns = ctx.quick ? 1 : 9;
      const anchorRun = async (name: string, side: 'floor' | 'nginx', base: string | undefined) => {
        if (!base) return;
        const r = await anchors.measure(name, async () => ({
          one: (await curlDownload(base + blobPath, size)).speed,
          eight: (await curlConcurrent(base + blobPath, size, 8)).aggregate,
        }));
        if (r) {
          one[side].push(r.one);
          eight[side].push(r.eight);
        }
      };
      // JIT warm-up of the Node processes that carry the bytes (ours, each worker, the Node floor): their
      // steady speed, not a fresh process's first gigabyte (JIT_WARM_BYTES); the workers share the rounds.
      if (!ctx.quick) {
        await warmDownloads(await archiveUrl(`${sides.ours}${VERSION}.json`), size, JIT_WARM_BYTES);
        await warmDownloads(await archiveUrl(`${sides.workers}${VERSION}.json`), size, JIT_WARM_BYTES * cpus().length);
        await warmDownloads(await archiveUrl(`${sides.peer}${VERSION}.json`), size, 0);
        if (floor) await anchors.measure(FLOOR, () => warmDownloads(floor.url + blobPath, size, JIT_WARM_BYTES));
        if (nginx) await anchors.measure(NGINX, () => warmDownloads(nginx.url + blobPath, size, 0));
      }
      for (let i = 0; i < dlRuns; i++) {
        for (const side of ['ours', 'workers', 'peer'] as const) {
          const url = await archiveUrl(`${sides[side]}${VERSION}.json`);
          one[side].push((await curlDownload(url, size)).speed);
          eight[side].push((await curlConcurrent(url, size, 8)).aggregate);
        }
        await anchorRun(FLOOR, 'floor', floor?.url);
        await anchorRun(NGINX, 'nginx', nginx?.url);
      }
      const m = (xs: number[]) => median(xs);
      const workerCount = cpus().length;
      const row = (label: string, side: Side, cell: (t: string) => string = (t) => t) => [
        label,
        cell(fmtMBps(m(one[side]))),
        cell(ratio(m(one[side]), m(one.peer))),
        cell(fmtMBps(m(eight[side]))),
        cell(ratio(m(eight[side]), m(eight.peer))),
      ];
      tables.push({
        title: `Download of a ${sizeMB} MB zip, 1 client and 8 at once (aggregate), medians of ${dlRuns}, interleaved`,
        columns: ['path', '1 client', 'ratio to the peer', '8 clients', 'ratio to the peer'],
        rows: [
          row('ours, one process (the mirror archive URL, proxied)', 'ours'),
          row(`ours, server.workers = 0 (${workerCount} worker processes)`, 'workers'),
          row('peer: the Go prototype (proxy_packages = true)', 'peer'),
          row('anchor: Node floor proxy, pooled buffers (one process, none of our code)', 'floor', (t) => anchors.cell(FLOOR, t)),
          row('anchor: nginx reverse proxy (one worker)', 'nginx', (t) => anchors.cell(NGINX, t)),
        ],
      });
      targets.push(
        {
          target: 'issue 16: proxy, 1 client >= 1.0 of the Go prototype (ours: one process)',
          measured: `${ratio(m(one.ours), m(one.peer))} (${fmtMBps(m(one.ours))} vs ${fmtMBps(m(one.peer))})`,
          met: ctx.quick ? null : m(one.ours) >= m(one.peer),
        },
        {
          target: 'the limit beside it, 1 client: the pooled Node floor proxy (one process, none of our code) vs the Go prototype',
          measured: anchors.measured(
            [FLOOR],
            `Node floor ${ratio(m(one.floor), m(one.peer))} of the peer (${fmtMBps(m(one.floor))}); ours ${ratio(m(one.ours), m(one.floor))} of the floor`,
          ),
          met: null,
        },
        {
          target: `issue 16: proxy, 8 clients (aggregate) >= 1.0 of the Go prototype (which runs on every core: GOMAXPROCS = ${workerCount})`,
          measured: `ours in one process ${ratio(m(eight.ours), m(eight.peer))} (${fmtMBps(m(eight.ours))} vs ${fmtMBps(m(eight.peer))}); with server.workers = 0 ${ratio(m(eight.workers), m(eight.peer))} (${fmtMBps(m(eight.workers))})`,
          met: ctx.quick ? null : Math.max(m(eight.ours), m(eight.workers)) >= m(eight.peer),
        },
        {
          target: 'the limit beside it, 8 clients: the pooled Node floor proxy and nginx (one worker) vs the Go prototype',
          measured: anchors.measured(
            [FLOOR, NGINX],
            `Node floor ${ratio(m(eight.floor), m(eight.peer))} of the peer (${fmtMBps(m(eight.floor))}), nginx ${ratio(m(eight.nginx), m(eight.peer))} (${fmtMBps(m(eight.nginx))}); ours ${ratio(m(eight.ours), m(eight.floor))} of the Node floor`,
          ),
          met: null,
        },
      );
      notes.push(
        'Downloads: curl -o /dev/null through each URL, 1 client then 8 at once (aggregate = all bytes / the longest curl), the five paths in turn in every round; nothing pinned: curl, the registry and the proxy share the cores, so a proxy that needs less CPU per byte leaves more to the others.',
        ...(ctx.quick
          ? []
          : [
              `JIT warm-up before measuring: ${(JIT_WARM_BYTES / 1e9).toFixed(1)} GB through ours, through each of the workers and through the Node floor (8 concurrent downloads per round), one round through the peer and nginx.`,
            ]),
        ...anchors.notes(),
      );
    } finally {
      await nginx?.stop();
      await floor?.stop();
    }
    notes.push(`The zip: ${zip.desc.digest}, ${size} bytes, the same blob in both repositories.`);
    return { tables, targets, notes };
  } finally {
    await oursWorkers?.stop();
    await ours.stop();
  }
}
