// Usage reporting (docs/operations.md#usage) on the real application served through its Node entry, over
// one memory store shared by two "replicas": every download and versions listing is a usage event on its
// access line; GET /api/v1/usage merges what every replica flushed (and the answering replica's own
// unflushed day): downloads, listings, distinct callers, last use, client versions; unused versions; the
// permission and bad input; and the real `serve` process flushes on SIGTERM.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { hashToken } from '../../src/auth/api-tokens.js';
import { providerRepository } from '../../src/layout/names.js';
import { createLayoutStore } from '../../src/oci/layout-store.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { bearer, buildAuthApp, type AuthTestApp } from '../auth/support.js';
import { requireTool } from '../support/distribution.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { makeFixtureRelease, pushRelease } from '../support/provider-fixture.js';
import { startServerProcess } from '../support/server-process.js';

const ALICE = 'tok-alice-0123456789';
const BOB = 'tok-bob-0123456789';
const AUDITOR = 'tok-auditor-0123456789';
const REPO = providerRepository('tf', 'registry.example.test', 'acme', 'widget');
const TOML = `[storage]\nprefix = "tf"\n[auth]\nmode = "service"
[[auth.tokens]]\nname = "alice"\nsha256 = "${hashToken(ALICE)}"\npermissions = ["providers:read"]
[[auth.tokens]]\nname = "bob"\nsha256 = "${hashToken(BOB)}"\npermissions = ["providers:read"]
[[auth.tokens]]\nname = "auditor"\nsha256 = "${hashToken(AUDITOR)}"\npermissions = ["usage:read"]\n`;

interface Usage {
  id: string;
  attributes: {
    version: string;
    downloads: number;
    listings: number;
    'distinct-callers': number;
    'last-used': string;
    clients: Record<string, number>;
  };
}

async function serve(t: AuthTestApp): Promise<{ base: string; server: Server }> {
  const server = createServer(t.nodeFront(getRequestListener(t.app.fetch)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('usage reports', requireTool('gpg', 'zip'), () => {
  let signer: TestSigner;
  const store = createMemoryStore();
  let a: AuthTestApp;
  let b: AuthTestApp;
  let sa: { base: string; server: Server };
  let sb: { base: string; server: Server };

  before(async () => {
    signer = await createTestSigner();
    for (const version of ['1.0.0', '1.1.0']) {
      const rel = await makeFixtureRelease({ type: 'widget', version, platforms: [{ os: 'linux', arch: 'amd64' }], signer });
      await pushRelease(store, REPO, rel);
    }
    a = buildAuthApp(store, TOML);
    b = buildAuthApp(store, TOML);
    sa = await serve(a);
    sb = await serve(b);
  });
  after(async () => {
    sa?.server.close();
    sb?.server.close();
    await signer?.cleanup();
  });

  const get = (base: string, path: string, token: string, ua = 'Terraform/1.8.5 (+https://www.terraform.io)') =>
    fetch(base + path, { headers: { ...bearer(token), 'user-agent': ua } });
  const usage = async (base: string, query = '') => {
    const res = await get(base, `/api/v1/usage${query}`, AUDITOR);
    assert.equal(res.status, 200);
    return ((await res.json()) as { data: Usage[] }).data;
  };

  it('counts listings and downloads per replica, puts each on its access line, and merges every replica', async () => {
    // Replica a: alice lists twice (providers.v1 and the mirror), bob downloads 1.0.0 with OpenTofu.
    assert.equal((await get(sa.base, '/v1/providers/acme/widget/versions', ALICE)).status, 200);
    assert.equal((await get(sa.base, '/mirror/registry.example.test/acme/widget/index.json', ALICE)).status, 200);
    const doc = (await (await get(sa.base, '/v1/providers/acme/widget/1.0.0/download/linux/amd64', BOB)).json()) as {
      download_url: string;
    };
    const zip = await fetch(sa.base + new URL(doc.download_url).pathname, { headers: { 'user-agent': 'OpenTofu/1.10.10' } });
    assert.equal(zip.status, 200);
    await zip.arrayBuffer();
    assert.match(
      a.logs(),
      /"usage":\{"action":"listing","kind":"provider","subject":"registry\.example\.test\/acme\/widget","version":"","platform":"","caller":"token:alice","client":"Terraform\/1\.8\.5"\}/,
    );
    assert.match(
      a.logs(),
      /"usage":\{"action":"download","kind":"provider","subject":"registry\.example\.test\/acme\/widget","version":"1\.0\.0","platform":"linux_amd64","caller":"token:bob","client":"OpenTofu\/1\.10\.10"\}/,
    );
    // Replica b: bob lists once; flushed to the store.
    assert.equal((await get(sb.base, '/v1/providers/acme/widget/versions', BOB)).status, 200);
    await b.usage!.flush();
    // Replica a answers with b's flushed day and its own unflushed one.
    const list = await usage(sa.base, '?provider=acme/widget');
    const listing = list.find((u) => u.attributes.version === '')!;
    assert.equal(listing.attributes.listings, 3);
    assert.equal(listing.attributes['distinct-callers'], 2);
    assert.deepEqual(listing.attributes.clients, { 'Terraform/1.8.5': 3 });
    const v1 = list.find((u) => u.attributes.version === '1.0.0')!;
    assert.equal(v1.attributes.downloads, 1);
    assert.deepEqual(v1.attributes.clients, { 'OpenTofu/1.10.10': 1 });
    assert.ok(Date.now() - Date.parse(v1.attributes['last-used']) < 600_000);
    // After a's flush, b answers the same totals from the records alone.
    await a.usage!.flush();
    const fromB = await usage(sb.base, '?provider=registry.example.test/acme/widget&version=1.0.0');
    assert.deepEqual(
      fromB.map((u) => [u.attributes.version, u.attributes.downloads]),
      [['1.0.0', 1]],
    );
  });

  it('lists the stored versions nobody downloaded since a date', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const res = await get(sa.base, `/api/v1/usage/unused-versions?provider=acme/widget&since=${today}`, AUDITOR);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { data: { attributes: { versions: string[] } } };
    assert.deepEqual(body.data.attributes.versions, ['1.1.0']);
  });

  it('needs usage:read, and names bad input', async () => {
    assert.equal((await get(sa.base, '/api/v1/usage', ALICE)).status, 403);
    assert.equal((await fetch(`${sa.base}/api/v1/usage`)).status, 401);
    const cases: Array<[string, RegExp]> = [
      ['/api/v1/usage?since=yesterday', /"since" must be a date YYYY-MM-DD/],
      ['/api/v1/usage?since=2001-01-01', /"since" may reach back 366 days at most/],
      ['/api/v1/usage?provider=a/b/c/d', /"provider" must be "namespace\/type" or "hostname\/namespace\/type"/],
      ['/api/v1/usage?colour=red', /unknown query parameter "colour"/],
      ['/api/v1/usage/unused-versions?provider=acme/widget', /query parameter "since" is required/],
    ];
    for (const [path, detail] of cases) {
      const res = await get(sa.base, path, AUDITOR);
      assert.equal(res.status, 400, path);
      assert.match(((await res.json()) as { errors: Array<{ detail: string }> }).errors[0]!.detail, detail);
    }
    const missing = await get(
      sa.base,
      `/api/v1/usage/unused-versions?provider=acme/nothing&since=${new Date().toISOString().slice(0, 10)}`,
      AUDITOR,
    );
    assert.equal(missing.status, 404);
  });
});

describe('usage: the serve process flushes on SIGTERM', requireTool('gpg', 'zip'), () => {
  it('a listing made just before SIGTERM is in the store afterwards', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tfoci-usage-'));
    const signer = await createTestSigner();
    try {
      const rel = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
      await pushRelease(createLayoutStore({ path: dir }), providerRepository('', 'localhost', 'acme', 'widget'), rel);
      const env = {
        TF_OCI_REGISTRY_STORAGE_KIND: 'layout',
        TF_OCI_REGISTRY_STORAGE_PATH: dir,
        TF_OCI_REGISTRY_SERVER_SECRETS: 'usage-test-secret-0123456789',
      };
      const first = await startServerProcess({ https: false, env });
      // The mirror names the hostname in the path (providers.v1 would use localhost:<port>).
      const listed = await fetch(`${first.url}/mirror/localhost/acme/widget/index.json`, { headers: { 'user-agent': 'Terraform/1.9.0' } });
      assert.equal(listed.status, 200, await listed.clone().text());
      await first.stop(); // SIGTERM: the default flush interval (300 s) has not passed
      const second = await startServerProcess({ https: false, env });
      try {
        const res = await fetch(`${second.url}/api/v1/usage?provider=localhost/acme/widget`);
        assert.equal(res.status, 200, await res.clone().text());
        const data = ((await res.json()) as { data: Usage[] }).data;
        assert.deepEqual(
          data.map((u) => [u.attributes.version, u.attributes.listings, u.attributes.clients]),
          [['', 1, { 'Terraform/1.9.0': 1 }]],
        );
      } finally {
        await second.stop();
      }
    } finally {
      await signer.cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
