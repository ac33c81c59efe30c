// Issue 17 item 1: one download URL must not hang the server. Clients that open a download and stop
// reading used to hold their registry connection for as long as they liked; with enough of them every
// other download, every uncached metadata read, every API call and /readyz waited for a connection.
// Now blob streams for clients have a connection pool of their own (metadata, the API and /readyz never
// wait for it), and a stream that moves no byte for the store's timeout is destroyed: the client's
// answer is cut, and the registry connection goes back to the pool.
// Real components: the real Distribution registry behind a counting TCP proxy, the real application
// served by a Node HTTP server, raw-socket clients that read nothing.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DOCKER_REGISTRY_BIN, requireTool } from '../support/distribution.js';
import { type FaultProxy, type FaultStack, type StalledClient, stalledGet, startFaultStack, waitFor } from './fault-kit.js';

const TIMEOUT_MS = 2_000;
const DOWNLOAD_CONNECTIONS = 4;
const ZIP_BYTES = 48 * 1024 * 1024; // far more than the socket and stream buffers between registry and client

describe('slow download clients', requireTool(DOCKER_REGISTRY_BIN), () => {
  let proxy: FaultProxy;
  let app: FaultStack['app'];
  let served: FaultStack['served'];
  let zip: Buffer;
  let path = '';
  let zipDigest = '';

  let stack: FaultStack | undefined;

  before(async () => {
    // The store as the wiring makes it (its own pools), with small numbers so the test stays fast.
    stack = await startFaultStack(ZIP_BYTES, { timeoutMs: TIMEOUT_MS, connections: { download: DOWNLOAD_CONNECTIONS } });
    ({ proxy, app, served, zip, path } = stack);
    zipDigest = `sha256:${createHash('sha256').update(zip).digest('hex')}`;
  });
  after(async () => {
    await stack?.close();
  });

  function serverConnections(): Promise<number> {
    return new Promise((resolve, reject) => served.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  }

  async function timed(url: string): Promise<{ status: number; ms: number; text: string }> {
    const t0 = performance.now();
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    return { status: res.status, ms: performance.now() - t0, text };
  }

  it('clients that stop reading starve neither metadata, the API nor /readyz, and are cut after the timeout', async () => {
    const zipConnectionsBefore = proxy.openWith(zipDigest);
    const clients: StalledClient[] = [];
    for (let i = 0; i < DOWNLOAD_CONNECTIONS * 2; i++) clients.push(stalledGet(served.base, path));
    try {
      // Every download connection is taken by a client that reads nothing.
      await waitFor(() => proxy.openWith(zipDigest) >= zipConnectionsBefore + DOWNLOAD_CONNECTIONS, 10_000, 'slow clients hold the pool');

      // Meanwhile: uncached metadata (tags TTL 1 ms), the API and readiness answer, without waiting for the timeout.
      for (const p of ['/v1/providers/acme/widget/versions', '/mirror/registry.example.test/acme/widget/index.json', '/readyz']) {
        const r = await timed(served.base + p);
        assert.equal(r.status, 200, `${p} while slow clients hold every download connection: ${r.status} ${r.text}`);
        assert.ok(r.ms < TIMEOUT_MS, `${p} waited ${Math.round(r.ms)} ms: it queued behind the downloads`);
      }

      // The slow clients are cut: their answers destroyed (server connections gone), the registry
      // connections they held closed. Generous bound: several timeouts on a busy machine.
      await waitFor(() => proxy.openWith(zipDigest) <= zipConnectionsBefore, 6 * TIMEOUT_MS + 5_000, 'registry connections released');
      await waitFor(async () => (await serverConnections()) === 0, 6 * TIMEOUT_MS + 5_000, 'slow clients disconnected by the server');
      assert.ok(
        app.logLines.some((l) => l.includes('the reader took no data')),
        'the cut is logged, naming the reason',
      );

      // And downloads work again, byte for byte.
      const res = await fetch(served.base + path, { signal: AbortSignal.timeout(30_000) });
      assert.equal(res.status, 200);
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(body.length, zip.length);
      assert.ok(body.equals(zip), 'the download is byte-correct');
    } finally {
      for (const c of clients) c.socket.destroy();
    }
  });

  it('a registry that stalls mid-body ends the download in bounded time, logged, its connection closed', async () => {
    proxy.mode = { kind: 'stall-after', bytes: 1024 * 1024 };
    proxy.reset(); // new connections: stalled ones
    try {
      const t0 = performance.now();
      const res = await fetch(served.base + path, { signal: AbortSignal.timeout(60_000) });
      assert.equal(res.status, 200, 'headers and the first bytes came through');
      await assert.rejects(res.arrayBuffer(), 'a truncated transfer, never a complete-looking one');
      const ms = performance.now() - t0;
      assert.ok(ms < 6 * TIMEOUT_MS + 5_000, `ended after ${Math.round(ms)} ms`);
      assert.ok(
        app.logLines.some((l) => l.includes('upstream stream failed mid-transfer')),
        'the failed transfer is logged',
      );
      await waitFor(() => proxy.openWith(zipDigest) === 0, 3 * TIMEOUT_MS + 5_000, 'stalled registry connection closed');
    } finally {
      proxy.mode = { kind: 'forward' };
      proxy.reset();
    }
  });
});
