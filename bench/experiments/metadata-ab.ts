// EXPERIMENT (evidence for bench/findings.md; not part of `npm run bench`): warm metadata CPU per request of
// two or more builds of the server, interleaved run by run, so that the shared machine's slow and quiet
// periods fall on every side alike. Each side is a checkout (a `git worktree` of another commit, its
// node_modules linked) with optional environment; all serve the metadata scenario's fixture from one real
// registry, and the Node floor (bench/lib/node-floor-static.ts) of the same bodies runs beside them. Each
// round runs wrk -c64 for SECS seconds against every side in turn, for each document; the medians of the
// CPU µs per request (/proc, user + system) are printed at the end.
// Servers are pinned to CPU 0 and wrk to CPU 1, as in the suite.
//   git worktree add /tmp/base <commit> && ln -s "$PWD/node_modules" /tmp/base/node_modules
//   SIDES='[{"name":"head"},{"name":"base","root":"/tmp/base"}]' DOCS=index,versions ROUNDS=8 SECS=3 \
//     node --import tsx bench/experiments/metadata-ab.ts
// SIDES: [{name, root? (default: this checkout), env? (added to the server's environment)}];
// DOCS: versions, download, index, version.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Agent } from 'undici';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { createBenchSigner } from '../lib/fixtures.js';
import { startNodeFloorStatic } from '../lib/node-floor.js';
import { pinProcess, runMain, stopAll } from '../lib/processes.js';
import { startBenchRegistry } from '../lib/registry.js';
import { type ServerProcess, startServer } from '../lib/server.js';
import { median } from '../lib/stats.js';
import { runWrk } from '../lib/wrk.js';
import { setupWidget } from '../scenarios/metadata.js';

interface Side {
  name: string;
  root?: string;
  env?: Record<string, string>;
}

const here = resolve(import.meta.dirname, '..', '..');

runMain(async () => {
  const sides = JSON.parse(process.env.SIDES ?? '[{"name":"head"}]') as Side[];
  const docs = (process.env.DOCS ?? 'index').split(',');
  const rounds = Number(process.env.ROUNDS ?? 8);
  const seconds = Number(process.env.SECS ?? 3);
  const tmp = mkdtempSync(join(tmpdir(), 'metadata-ab-'));
  try {
    const registry = await startBenchRegistry(join(tmp, 'registry'));
    const targets: { name: string; url: string; pid: number }[] = [];
    let publicUrl: string | undefined;
    let first: ServerProcess | undefined;
    for (const side of sides) {
      const logDir = join(tmp, side.name);
      mkdirSync(logDir);
      // One public URL for all: the documents (signed download URLs) then have the same size on every side.
      const env = { ...(publicUrl ? { TF_OCI_REGISTRY_SERVER_PUBLIC_URL: publicUrl } : {}), ...side.env };
      const server = await startServer({ root: side.root ?? here, registryUrl: registry.url, logDir, env });
      publicUrl ??= server.env.TF_OCI_REGISTRY_SERVER_PUBLIC_URL;
      first ??= server;
      targets.push({ name: side.name, url: server.url, pid: server.pid });
    }
    if (!first) throw new Error('SIDES names no server');
    const pushStore = createRegistryStore({
      url: registry.url,
      plainHttp: true,
      userAgent: 'metadata-ab',
      dispatcher: new Agent({ connections: 16 }),
    });
    const endpoints = await setupWidget({ pushStore, signer: await createBenchSigner(), server: first });
    const files = [];
    for (const e of endpoints) {
      const res = await fetch(first.url + e.path);
      if (res.status !== 200) throw new Error(`GET ${e.path}: ${res.status}`);
      files.push({ path: e.path, body: Buffer.from(await res.arrayBuffer()) });
    }
    const floor = await startNodeFloorStatic(join(tmp, 'floor'), files);
    targets.push({ name: 'Node floor', url: floor.url, pid: floor.pid });
    for (const t of targets) pinProcess(t.pid, '0');
    const costs = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      for (const doc of docs) {
        const endpoint = endpoints.find((e) => e.id === doc);
        if (!endpoint) throw new Error(`unknown document ${doc}: one of ${endpoints.map((e) => e.id).join(', ')}`);
        for (const t of targets) {
          const w = await runWrk({
            url: t.url + endpoint.path,
            connections: 64,
            threads: 1,
            durationS: seconds,
            serverPid: t.pid,
            cpus: '1',
          });
          const key = `${doc} ${t.name}`;
          costs.set(key, [...(costs.get(key) ?? []), w.cpuUsPerRequest]);
          console.log(`round ${round + 1} ${key}: ${w.rps.toFixed(0)} req/s, ${w.cpuUsPerRequest.toFixed(1)} CPU µs/req, p99 ${w.p99} ms`);
        }
      }
    }
    for (const [key, values] of costs) {
      console.log(`${key}: median ${median(values).toFixed(1)} CPU µs/req [${values.map((v) => v.toFixed(1)).join(' ')}]`);
    }
  } finally {
    await stopAll();
    rmSync(tmp, { recursive: true, force: true });
  }
});
