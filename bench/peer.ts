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
// ours (OpenTofu's layout, under our own prefix), starts a second tf-oci-registry on the same registry, and
// measures both network mirrors: warm index.json and <version>.json with wrk, and the zip download with curl
// (1 client, and 8 at once) through the URL each mirror lists (the peer with proxy_packages = true proxies,
// as we do). See bench/README.md, "Peers" for the commands that build and start the peer.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent } from 'undici';
import { providerRepository } from '../src/layout/names.js';
import { createRegistryStore } from '../src/oci/remote/registry-store.js';
import { curlConcurrent, curlDownload } from './lib/curl.js';
import { pushProviderVersions, pushZipFile, writeRandomZip } from './lib/fixtures.js';
import { startServer } from './lib/server.js';
import { fmtMBps, fmtRate, median, ratio } from './lib/stats.js';
import { runWrk } from './lib/wrk.js';
import type { BenchContext, Scenario, ScenarioResult, Table } from './scenario.js';

const HOST = 'registry.example.test';
const NAMESPACE = 'acme';
const TYPE = 'peerzip';
const VERSION = '1.0.0';
const PEER_CONFIG_TYPE = 'application/vnd.hashicorp.terraform-provider.config.v1+json';
const PEER_LAYER_TYPE = 'application/vnd.hashicorp.terraform.provider-package+zip';

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

  // Ours, on the same registry process: a second server under its own prefix.
  const ours = await startServer({
    root: ctx.root,
    registryUrl: peer.registry,
    logDir: ctx.tmp,
    env: { TF_OCI_REGISTRY_STORAGE_PREFIX: 'tfoci-peer-bench', TF_OCI_REGISTRY_SERVER_REGISTRY_HOSTNAME: HOST },
  });
  try {
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
    const sides = {
      ours: `${ours.url}/mirror/${HOST}/${NAMESPACE}/${TYPE}/`,
      peer: `${peer.url}${HOST}/${NAMESPACE}/${TYPE}/`,
    };
    const tables: Table[] = [];
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

    // Downloads through each mirror's listed archive URL (fresh URLs: the peer's expire after 180 s).
    const size = ourZip.desc.size;
    const one: Record<'ours' | 'peer', number[]> = { ours: [], peer: [] };
    const eight: Record<'ours' | 'peer', number[]> = { ours: [], peer: [] };
    const dlRuns = ctx.quick ? 1 : 5;
    for (let i = 0; i < dlRuns; i++) {
      for (const side of ['ours', 'peer'] as const) {
        const url = await archiveUrl(`${sides[side]}${VERSION}.json`);
        one[side].push((await curlDownload(url, size)).speed);
        eight[side].push((await curlConcurrent(url, size, 8)).aggregate);
      }
    }
    tables.push({
      title: `Download of a ${sizeMB} MB zip through each mirror's archive URL (proxied), medians of ${dlRuns}`,
      columns: ['clients', 'ours', 'peer', 'ratio ours/peer'],
      rows: [
        ['1', fmtMBps(median(one.ours)), fmtMBps(median(one.peer)), ratio(median(one.ours), median(one.peer))],
        ['8 (aggregate)', fmtMBps(median(eight.ours)), fmtMBps(median(eight.peer)), ratio(median(eight.ours), median(eight.peer))],
      ],
    });
    notes.push(`The zip: ${zip.desc.digest}, ${size} bytes, the same blob in both repositories.`);
    return { tables, targets: [], notes };
  } finally {
    await ours.stop();
  }
}
