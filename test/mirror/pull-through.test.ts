// Pull-through against a real upstream registry (another tf-oci-registry app over HTTP on loopback,
// publishing signed releases through its API): the mirror lists and serves a provider that exists only
// upstream, stores each platform on its first download, answers later requests without the upstream (also
// when it is stopped), shares one upstream fetch between concurrent first downloads, and refuses releases
// that do not verify, storing nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { providerRepository } from '../../src/layout/names.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { generatePgpKey } from '../publish/pgp.js';
import { requireTool } from '../support/distribution.js';
import { buildTestApp } from '../support/test-app.js';
import { serveMirror, startUpstream, type Upstream } from './support.js';

const HOST = 'upstream.example.test';
const DOWNLOAD_DOC = '/v1/providers/:namespace/:type/:version/download/:os/:arch';
const tools = requireTool('zip');

interface Json {
  [k: string]: any;
}

describe('pull-through from an upstream registry', tools, () => {
  let upstream: Upstream;
  const store = createMemoryStore();
  let served: Awaited<ReturnType<typeof serveMirror>>;
  let base = '';
  const repo = providerRepository('tf', HOST, 'acme', 'widget');

  before(async () => {
    upstream = await startUpstream(HOST);
    await upstream.publish('widget', '1.0.0', [
      { os: 'linux', arch: 'amd64' },
      { os: 'darwin', arch: 'arm64' },
    ]);
    await upstream.publish('widget', '1.1.0', [{ os: 'linux', arch: 'amd64' }]);
    served = await serveMirror(store, {
      upstreams: [{ hostname: HOST, url: new URL(upstream.url), signingKeys: [] }],
      upstreamTtlSeconds: 0,
    });
    base = served.base;
  });
  after(async () => {
    served?.close();
    await upstream?.stop();
  });

  const get = async (path: string): Promise<{ status: number; body: Json }> => {
    const res = await fetch(base + path);
    return { status: res.status, body: (await res.json()) as Json };
  };
  const local = (url: string) => base + new URL(url).pathname;
  const hits = (route: string) => upstream.hits.get(route) ?? 0;

  it('lists the upstream versions of a provider the store does not hold', async () => {
    const r = await get(`/mirror/${HOST}/acme/widget/index.json`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { versions: { '1.0.0': {}, '1.1.0': {} } });
    assert.deepEqual(await store.listTags(repo).catch(() => [] as string[]), [], 'listing stores nothing');
  });

  it('describes a version from the verified upstream release: every platform with the zh: of the signed SHA256SUMS', async () => {
    // The newest version's release, verified in the background after index.json, has finished.
    for (let i = 0; i < 100 && hits('/download/:token/:filename') < 2; i++) await new Promise((r) => setTimeout(r, 20));
    const [docs, files] = [hits(DOWNLOAD_DOC), hits('/download/:token/:filename')];
    const r = await get(`/mirror/${HOST}/acme/widget/1.0.0.json`);
    // One platform's download document (linux_amd64), then SHA256SUMS and its signature: not one per platform.
    assert.deepEqual([hits(DOWNLOAD_DOC) - docs, hits('/download/:token/:filename') - files], [1, 2]);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(Object.keys(r.body.archives).sort(), ['darwin_arm64', 'linux_amd64']);
    for (const a of Object.values<Json>(r.body.archives)) {
      assert.match(a.hashes[0], /^zh:[0-9a-f]{64}$/);
      assert.match(a.url, /\/download\/pull\//);
    }
  });

  it('streams the first download from the upstream, stores it, then serves it from the store', async () => {
    const doc = (await get(`/mirror/${HOST}/acme/widget/1.0.0.json`)).body;
    const zh = doc.archives.linux_amd64.hashes[0].slice(3);
    const before = hits('/download/:token/:filename');
    const res = await fetch(local(doc.archives.linux_amd64.url));
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal((await import('node:crypto')).createHash('sha256').update(bytes).digest('hex'), zh);
    assert.equal(hits('/download/:token/:filename'), before + 1, 'one upstream download');
    // Stored: the version tag holds the platform, with h1, and the document now lists both hashes.
    for (let i = 0; i < 50 && !(await store.listTags(repo).catch(() => [] as string[])).includes('1.0.0'); i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await store.listTags(repo), ['1.0.0']);
    const again = (await get(`/mirror/${HOST}/acme/widget/1.0.0.json`)).body;
    assert.match(again.archives.linux_amd64.url, /\/download\/(?!pull\/)/);
    assert.deepEqual(
      again.archives.linux_amd64.hashes.map((h: string) => h.slice(0, 3)),
      ['zh:', 'h1:'],
    );
    assert.equal(again.archives.linux_amd64.hashes[0], `zh:${zh}`);
    assert.match(again.archives.darwin_arm64.url, /\/download\/pull\//, 'the other platform is still pulled on demand');
    // The stored copy answers without the upstream.
    const fromStore = await fetch(local(again.archives.linux_amd64.url));
    assert.ok(Buffer.from(await fromStore.arrayBuffer()).equals(bytes));
    assert.equal(hits('/download/:token/:filename'), before + 1, 'no further upstream download');
  });

  it('shares one upstream fetch between concurrent first downloads of a platform', async () => {
    const doc = (await get(`/mirror/${HOST}/acme/widget/1.0.0.json`)).body;
    const before = hits('/download/:token/:filename');
    const docsBefore = hits(DOWNLOAD_DOC);
    const bodies = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const res = await fetch(local(doc.archives.darwin_arm64.url));
        return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
      }),
    );
    assert.ok(
      bodies.every((b) => b.status === 200 && b.bytes.equals(bodies[0]!.bytes)),
      bodies.map((b) => b.status).join(','),
    );
    assert.equal(hits('/download/:token/:filename'), before + 1, 'one upstream download for 8 clients');
    assert.equal(hits(DOWNLOAD_DOC), docsBefore + 1, "darwin_arm64's download document, read when its package was first asked for");
  });

  it('serves what is stored with the upstream stopped, and lists the stored versions only', async () => {
    await upstream.stop();
    try {
      const index = await get(`/mirror/${HOST}/acme/widget/index.json`);
      assert.equal(index.status, 200);
      assert.deepEqual(index.body, { versions: { '1.0.0': {} } });
      const doc = await get(`/mirror/${HOST}/acme/widget/1.0.0.json`);
      assert.equal(doc.status, 200);
      const res = await fetch(local(doc.body.archives.linux_amd64.url));
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      // Not stored and the upstream down. The release of 1.1.0 was verified when index.json was served (the
      // mirror verifies the newest release ahead of terraform's next request), so its document answers; its
      // download cannot reach the upstream: a 502 naming it, not a 500 and not a broken 200.
      const missing = await get(`/mirror/${HOST}/acme/widget/1.1.0.json`);
      assert.equal(missing.status, 200, JSON.stringify(missing.body));
      const pull = await fetch(local(missing.body.archives.linux_amd64.url));
      assert.equal(pull.status, 502);
      const body = (await pull.json()) as Json;
      assert.match(body.errors[0].detail, /127\.0\.0\.1|unreachable|connect/i);
      // A version the mirror never saw: 502 too.
      const unknown = await get(`/mirror/${HOST}/acme/widget/0.1.0.json`);
      assert.equal(unknown.status, 502, JSON.stringify(unknown.body));
    } finally {
      await upstream.start();
    }
  });

  it('refuses a release not signed by a pinned key (signing_keys), storing nothing', async () => {
    const stranger = await generatePgpKey({ name: 'stranger' });
    // The upstream offers the stranger's key with the release; the mirror pins the upstream's usual key.
    await upstream.publish('gadget', '2.0.0', [{ os: 'linux', arch: 'amd64' }], { key: stranger });
    const pinned = buildTestApp(createMemoryStore(), {
      upstreams: [{ hostname: HOST, url: new URL(upstream.url), signingKeys: [upstream.key.armoredPublic] }],
    });
    const res = await pinned.app.request(`/mirror/${HOST}/acme/gadget/2.0.0.json`);
    assert.equal(res.status, 502);
    const body = (await res.json()) as Json;
    assert.equal(body.errors[0].code, 'UPSTREAM_SIGNATURE_INVALID');
    assert.match(body.errors[0].detail, /not signed by any of the 1 trusted key/);
    const dl = await pinned.app.request(`/mirror/${HOST}/acme/gadget/index.json`);
    assert.equal(dl.status, 200, 'listing still works');
    assert.deepEqual(await pinned.deps.store.listTags(providerRepository('tf', HOST, 'acme', 'gadget')).catch(() => [] as string[]), []);
  });

  it('answers 404 for a provider the upstream does not have, and for hostnames without an upstream', async () => {
    assert.equal((await get(`/mirror/${HOST}/acme/nothing/index.json`)).status, 404);
    assert.equal((await get('/mirror/other.example.test/acme/widget/index.json')).status, 404);
  });
});
