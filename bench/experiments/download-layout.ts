// EXPERIMENT (evidence for issue 16's download findings in bench/findings.md; not part of `npm run bench`):
// the embedded layout store's download: a 100 MB zip in an image-layout directory served by tf-oci-registry
// (storage.kind = "layout", its download_url: the file read from disk and streamed), against nginx serving
// the very same blob file (sendfile: the physical limit of serving a file from the page cache), one curl
// at a time; CPU time and minor page faults of the serving process per GB, from /proc around each download.
// Run: node --import tsx bench/experiments/download-layout.ts [--runs=5] [--size=100]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLayoutStore } from '../../src/oci/layout-store.js';
import { curlDownload } from '../lib/curl.js';
import { withCost } from '../lib/download-modes.js';
import { createBenchSigner } from '../lib/fixtures.js';
import { spawnNginx } from '../lib/nginx.js';
import { runMain, stopAll, waitForHttp } from '../lib/processes.js';
import { startServer } from '../lib/server.js';
import { median } from '../lib/stats.js';
import { setupBigZip } from '../scenarios/downloads.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, def: number) => Number(argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
  const runs = opt('runs', 5);
  const sizeMB = opt('size', 100);
  const tmp = mkdtempSync(join(tmpdir(), 'tf-oci-dllayout-'));
  try {
    const data = join(tmp, 'data');
    mkdirSync(data);
    const server = await startServer({
      root,
      registryUrl: 'http://127.0.0.1:1',
      logDir: tmp,
      env: { TF_OCI_REGISTRY_STORAGE_KIND: 'layout', TF_OCI_REGISTRY_STORAGE_PATH: data },
    });
    const pushStore = createLayoutStore({ path: data });
    const registry = { url: 'http://127.0.0.1:1' } as Parameters<typeof setupBigZip>[0]['registry'];
    const zip = await setupBigZip({ pushStore, signer: await createBenchSigner(), server, registry, tmp }, sizeMB);
    const repo = /\/v2\/(.+)\/blobs\/sha256:([a-f0-9]{64})$/.exec(zip.directUrl)!;
    const nginx = await spawnNginx(join(tmp, 'nginx'), {
      root: data,
      types: '',
      defaultType: 'application/zip',
      comment: 'the layout file anchor',
    });
    const fileUrl = `${nginx.url}/${repo[1]}/blobs/sha256/${repo[2]}`;
    await waitForHttp(fileUrl, nginx.child, 'nginx', 30_000);
    const targets = [
      { name: 'nginx serving the blob file (sendfile)', url: fileUrl, pids: [nginx.child.pid!] },
      { name: 'tf-oci-registry, layout store (download_url)', url: zip.proxyUrl, pids: [server.pid] },
    ];
    for (const t of targets) await curlDownload(t.url, zip.size);
    const res = new Map<string, { mbps: number[]; cpu: number[]; flt: number[] }>();
    for (let i = 0; i < runs; i++) {
      for (const t of targets) {
        const m = await withCost(
          t.pids,
          (r) => r.bytes,
          () => curlDownload(t.url, zip.size),
        );
        const e = res.get(t.name) ?? { mbps: [], cpu: [], flt: [] };
        res.set(t.name, e);
        e.mbps.push(m.result.speed / 1e6);
        e.cpu.push(m.cpuPerGB);
        e.flt.push(m.faultsPer100MB);
      }
    }
    const lines = ['| serving | MB/s (median) | CPU s per GB | minor faults per 100 MB |', '|---|---|---|---|'];
    for (const t of targets) {
      const e = res.get(t.name)!;
      lines.push(`| ${t.name} | ${median(e.mbps).toFixed(0)} | ${median(e.cpu).toFixed(2)} | ${median(e.flt).toFixed(0)} |`);
    }
    process.stdout.write(`${sizeMB} MB blob in a layout directory, ${runs} runs, medians\n\n${lines.join('\n')}\n`);
  } finally {
    await stopAll();
    rmSync(tmp, { recursive: true, force: true });
  }
}

runMain(main);
