// Prometheus metrics ([metrics], docs/operations.md#metrics) against the real application served through
// its Node entry (hot routes included) and the real `serve` process: every request counted by route
// template and status, store calls by operation, downloads and bytes by provider, version and platform,
// the content cache and the process metrics; never a caller's identity; metrics.listen serves them on a
// listener of their own and keeps them off the main one.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { hashToken } from '../../src/auth/api-tokens.js';
import { providerRepository } from '../../src/layout/names.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { bearer, buildAuthApp, type AuthTestApp } from '../auth/support.js';
import { freePort, requireTool } from '../support/distribution.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { type FixtureRelease, makeFixtureRelease, pushRelease } from '../support/provider-fixture.js';
import { startServerProcess } from '../support/server-process.js';

const READER = 'tok-metrics-reader-0123456789';

/** The value of one sample line `name{labels} value`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.lastIndexOf('}'));
    const have = inner.split(',');
    if (want.every((w) => have.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('metrics', requireTool('gpg', 'zip'), () => {
  let signer: TestSigner;
  let rel: FixtureRelease;
  let app: AuthTestApp;
  let server: Server;
  let base = '';

  before(async () => {
    signer = await createTestSigner();
    rel = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
    const store = createMemoryStore();
    await pushRelease(store, providerRepository('tf', 'registry.example.test', 'acme', 'widget'), rel);
    app = buildAuthApp(
      store,
      `[storage]\nprefix = "tf"\n[metrics]\nenabled = true\n[auth]\nmode = "service"
[[auth.tokens]]\nname = "secret-team-reader"\nsha256 = "${hashToken(READER)}"\npermissions = ["providers:read"]\n`,
    );
    server = createServer(app.nodeFront(getRequestListener(app.app.fetch)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.close();
    await signer?.cleanup();
  });

  const get = (path: string, headers: Record<string, string> = bearer(READER)) => fetch(base + path, { headers });

  it('counts every request by route template and status, hot routes included, and times them', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await get('/v1/providers/acme/widget/versions')).status, 200);
    assert.equal((await get('/v1/providers/acme/nothing/versions')).status, 404);
    assert.equal((await get('/v1/providers/acme/widget/versions', {})).status, 401);
    const text = await (await get('/metrics', {})).text();
    const route = '/v1/providers/:namespace/:type/versions';
    assert.equal(sample(text, 'tfoci_http_requests_total', { method: 'GET', route, status: '200' }), 3);
    assert.equal(sample(text, 'tfoci_http_requests_total', { method: 'GET', route, status: '404' }), 1);
    assert.equal(sample(text, 'tfoci_http_requests_total', { method: 'GET', route, status: '401' }), 1);
    assert.equal(sample(text, 'tfoci_http_request_duration_seconds_count', { method: 'GET', route }), 5);
  });

  it('counts downloads and their bytes by provider, version and platform, without the caller', async () => {
    const doc = (await (await get('/v1/providers/acme/widget/1.0.0/download/linux/amd64')).json()) as {
      download_url: string;
      shasums_url: string;
    };
    for (const url of [doc.download_url, doc.download_url, doc.shasums_url]) {
      const res = await fetch(base + new URL(url).pathname);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    const text = await (await get('/metrics', {})).text();
    const labels = { kind: 'provider', subject: 'registry.example.test/acme/widget', version: '1.0.0', platform: 'linux_amd64' };
    assert.equal(sample(text, 'tfoci_downloads_total', labels), 2);
    assert.equal(sample(text, 'tfoci_download_bytes_total', labels), 2 * rel.zips[0]!.bytes.length);
    assert.equal(sample(text, 'tfoci_downloads_total', { kind: 'file', version: '1.0.0', platform: '' }), 1);
    assert.doesNotMatch(text, /secret-team-reader/, 'no caller identity in any label');
  });

  it('counts store calls by operation and outcome, reports the content cache and the process', async () => {
    const text = await (await get('/metrics', {})).text();
    assert.ok((sample(text, 'tfoci_store_requests_total', { store: 'main', operation: 'listTags', outcome: 'ok' }) ?? 0) >= 1);
    assert.ok((sample(text, 'tfoci_store_requests_total', { store: 'main', operation: 'listTags', outcome: 'not_found' }) ?? 0) >= 1);
    assert.ok((sample(text, 'tfoci_store_requests_total', { store: 'main', operation: 'fetchBlob', outcome: 'ok' }) ?? 0) >= 2);
    assert.ok((sample(text, 'tfoci_content_cache_bytes', { store: 'main' }) ?? 0) > 0);
    assert.match(text, /^tfoci_process_cpu_user_seconds_total \d/m);
    assert.match(text, /^tfoci_nodejs_eventloop_lag_seconds \d/m);
  });
});

describe('metrics.listen (the real serve process)', () => {
  it('serves /metrics on its own listener only', async () => {
    const port = await freePort();
    const server = await startServerProcess({
      https: false,
      env: {
        TF_OCI_REGISTRY_STORAGE_KIND: 'layout',
        TF_OCI_REGISTRY_STORAGE_PATH: `/tmp/tfoci-metrics-${process.pid}`,
        TF_OCI_REGISTRY_METRICS_ENABLED: 'true',
        TF_OCI_REGISTRY_METRICS_LISTEN: `127.0.0.1:${port}`,
      },
    });
    try {
      await (await fetch(`${server.url}/healthz`)).text();
      const own = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(own.status, 200);
      assert.match(own.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await own.text();
      assert.ok((sample(text, 'tfoci_http_requests_total', { method: 'GET', route: '/healthz', status: '200' }) ?? 0) >= 1);
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 404);
      assert.equal((await fetch(`${server.url}/metrics`)).status, 404, 'not on the main listener');
    } finally {
      await server.stop();
      await rm(`/tmp/tfoci-metrics-${process.pid}`, { recursive: true, force: true });
    }
  });
});
