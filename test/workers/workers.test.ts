// server.workers (docs/operations.md#workers) with the real `serve` process on a real layout store: N
// worker processes share the listener and the download-URL secret (a URL minted by one is served by
// another, with no secret configured), a worker that dies is replaced, [metrics] listen sums every
// worker's requests, and SIGTERM stops the primary and every worker.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { providerRepository } from '../../src/layout/names.js';
import { createLayoutStore } from '../../src/oci/layout-store.js';
import { freePort, requireTool } from '../support/distribution.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { makeFixtureRelease, pushRelease } from '../support/provider-fixture.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

/** The process ids of a process's children (Linux). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A GET on a connection of its own (so that the cluster hands each request to the next worker). */
async function getFresh(url: string): Promise<{ status: number; body: Buffer }> {
  const dispatcher = new Agent({ pipelining: 0 });
  try {
    const res = await request(url, { dispatcher, headers: { connection: 'close' } });
    return { status: res.statusCode, body: Buffer.from(await res.body.arrayBuffer()) };
  } finally {
    await dispatcher.close();
  }
}

describe('server.workers', requireTool('gpg', 'zip'), () => {
  let signer: TestSigner;
  let dir: string;
  let server: ServerProcess;
  let metricsPort: number;
  let zip: Buffer;

  before(async () => {
    signer = await createTestSigner();
    dir = await mkdtemp(join(tmpdir(), 'tfoci-workers-'));
    const rel = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
    zip = rel.zips[0]!.bytes;
    metricsPort = await freePort();
    await pushRelease(createLayoutStore({ path: dir }), providerRepository('', 'registry.example.test', 'acme', 'widget'), rel);
    server = await startServerProcess({
      https: false,
      env: {
        TF_OCI_REGISTRY_SERVER_REGISTRY_HOSTNAME: 'registry.example.test',
        TF_OCI_REGISTRY_STORAGE_KIND: 'layout',
        TF_OCI_REGISTRY_STORAGE_PATH: dir,
        TF_OCI_REGISTRY_SERVER_WORKERS: '2',
        TF_OCI_REGISTRY_METRICS_ENABLED: 'true',
        TF_OCI_REGISTRY_METRICS_LISTEN: `127.0.0.1:${metricsPort}`,
      },
    });
  });
  after(async () => {
    await server?.stop();
    await signer?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs two workers under one primary', async () => {
    await until('two workers', () => childrenOf(server.pid).length === 2);
  });

  it('serves on every worker a download URL minted by any worker (one shared secret)', async () => {
    for (let i = 0; i < 8; i++) {
      const doc = await getFresh(`${server.url}/v1/providers/acme/widget/1.0.0/download/linux/amd64`);
      assert.equal(doc.status, 200, doc.body.toString());
      const url = (JSON.parse(doc.body.toString()) as { download_url: string }).download_url;
      const got = await getFresh(url);
      assert.equal(got.status, 200, `download ${i}: ${got.body.toString().slice(0, 300)}`);
      assert.ok(got.body.equals(zip), `download ${i}: the zip's bytes`);
    }
  });

  it("sums every worker's requests on [metrics] listen", async () => {
    // The primary asks every worker and sums the answers that come within 3 s; a worker slow to answer
    // on a loaded machine is counted in tfoci_metrics_workers{answered="false"}, the scrape still 200.
    // Ask again until both answered.
    let text = '';
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(res.status, 200);
      text = await res.text();
      if (text.includes('tfoci_metrics_workers{answered="true"} 2') || Date.now() > deadline) break;
      await sleep(100);
    }
    assert.match(text, /^tfoci_metrics_workers\{answered="false"\} 0$/m, text.slice(-500));
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('tfoci_http_requests_total{') && l.includes('route="/v1/providers/:namespace/:type/:version/download/:os/:arch"'),
      );
    assert.ok(line, text.slice(0, 2000));
    assert.equal(Number(line.slice(line.lastIndexOf(' ') + 1)), 8);
  });

  it('replaces a worker that dies', async () => {
    const [victim] = childrenOf(server.pid);
    assert.ok(victim);
    process.kill(victim, 'SIGKILL');
    await until('a new worker', () => {
      const now = childrenOf(server.pid);
      return now.length === 2 && !now.includes(victim);
    });
    const res = await getFresh(`${server.url}/v1/providers/acme/widget/versions`);
    assert.equal(res.status, 200);
  });

  it('stops every worker on SIGTERM', async () => {
    const workers = childrenOf(server.pid);
    await server.stop();
    for (const pid of workers) {
      await until(`worker ${pid} gone`, () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      });
    }
  });
});
