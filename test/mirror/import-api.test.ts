// The import API (POST/GET /api/v1/mirror-imports) in service mode against a real upstream on loopback:
// permissions (mirror:write to start, mirror:read to read), 202 + Location, the status record readable
// through the API while and after it runs, idempotent re-imports, and bad requests refused with the
// member named. The status lives in the store, so a second app over the same store (another replica)
// answers for it too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashToken } from '../../src/auth/api-tokens.js';
import { providerRepository } from '../../src/layout/names.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { bearer, buildAuthApp, type AuthTestApp } from '../auth/support.js';
import { requireTool } from '../support/distribution.js';
import { startUpstream, type Upstream } from './support.js';

const HOST = 'upstream.example.test';
const WRITER = 'tok-mirror-writer-0123456789';
const READER = 'tok-providers-reader-0123456789';

describe('import API', requireTool('zip'), () => {
  let upstream: Upstream;
  const store = createMemoryStore();
  let app: AuthTestApp;
  let replica: AuthTestApp;

  before(async () => {
    upstream = await startUpstream(HOST);
    await upstream.publish('widget', '1.0.0', [{ os: 'linux', arch: 'amd64' }]);
    await upstream.publish('widget', '1.2.0', [
      { os: 'linux', arch: 'amd64' },
      { os: 'darwin', arch: 'arm64' },
    ]);
    const toml = `[storage]\nprefix = "tf"\n[auth]\nmode = "service"
[[auth.tokens]]\nname = "writer"\nsha256 = "${hashToken(WRITER)}"\npermissions = ["mirror:*", "providers:read"]
[[auth.tokens]]\nname = "reader"\nsha256 = "${hashToken(READER)}"\npermissions = ["providers:read"]
[[mirror.upstream]]\nhostname = "${HOST}"\nurl = "${upstream.url}"\n`;
    app = buildAuthApp(store, toml);
    replica = buildAuthApp(store, toml);
  });
  after(async () => {
    await upstream?.stop();
  });

  const call = async (a: AuthTestApp, method: string, path: string, token: string, body?: unknown) => {
    const res = await a.app.request(path, {
      method,
      headers: { ...bearer(token), ...(body ? { 'content-type': 'application/vnd.api+json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : null };
  };
  const start = (attributes: Record<string, unknown>, token = WRITER) =>
    call(app, 'POST', '/api/v1/mirror-imports', token, { data: { type: 'mirror-imports', attributes } });

  it('starts an import (202 + Location), runs it, and records its results; any replica reads them', async () => {
    const r = await start({ providers: [`${HOST}/acme/widget`], version: '~> 1.0', platforms: ['linux_amd64'] });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.data.attributes.status, 'running');
    const id = r.body.data.id as string;
    assert.equal(r.headers.get('location'), `https://registry.example.test/api/v1/mirror-imports/${id}`);
    await app.mirror.imports();
    const done = await call(replica, 'GET', `/api/v1/mirror-imports/${id}`, WRITER);
    assert.equal(done.status, 200);
    assert.equal(done.body.data.attributes.status, 'succeeded', JSON.stringify(done.body));
    assert.deepEqual(
      done.body.data.attributes.results.map((x: any) => [x.version, x.platform, x.outcome]),
      [['1.2.0', 'linux_amd64', 'imported']],
    );
    assert.match(done.body.data.attributes['started-by'], /.+/);
    assert.deepEqual(await store.listTags(providerRepository('tf', HOST, 'acme', 'widget')), ['1.2.0']);
    const list = await call(replica, 'GET', '/api/v1/mirror-imports', WRITER);
    assert.ok(list.body.data.some((d: any) => d.id === id));
  });

  it('a second import of the same skips what is stored', async () => {
    const r = await start({ providers: [`${HOST}/acme/widget`], version: '1.2.0', platforms: ['linux_amd64'] });
    await app.mirror.imports();
    const done = await call(app, 'GET', `/api/v1/mirror-imports/${r.body.data.id}`, WRITER);
    assert.equal(done.body.data.attributes.status, 'succeeded');
    assert.equal(done.body.data.attributes.results[0].outcome, 'skipped');
  });

  it('reports a failed import with the reason', async () => {
    const r = await start({ providers: [`${HOST}/acme/nothing`] });
    await app.mirror.imports();
    const done = await call(app, 'GET', `/api/v1/mirror-imports/${r.body.data.id}`, WRITER);
    assert.equal(done.body.data.attributes.status, 'failed');
    assert.match(done.body.data.attributes.errors[0], /acme\/nothing/);
  });

  it('needs mirror:write to start and mirror:read to read', async () => {
    assert.equal((await start({ providers: [`${HOST}/acme/widget`] }, READER)).status, 403);
    assert.equal((await call(app, 'GET', '/api/v1/mirror-imports', READER)).status, 403);
    assert.equal((await call(app, 'GET', '/api/v1/mirror-imports', '')).status, 401);
  });

  it('refuses bad requests naming the member', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{}, '/data/attributes/providers', /non-empty list of provider addresses/],
      [{ providers: ['a/b/c/d'] }, '/data/attributes/providers/0', /expected "namespace\/type"/],
      [{ providers: [`${HOST}/acme/widget`], version: '~> banana' }, '/data/attributes/version', /./],
      [{ providers: [`${HOST}/acme/widget`], platforms: ['linux'] }, '/data/attributes/platforms/0', /<os>_<arch>/],
      [
        { providers: ['registry.terraform.io/hashicorp/aws'] },
        '/data/attributes/providers',
        /no \[\[mirror\.upstream\]\] is configured for registry\.terraform\.io/,
      ],
      [{ providers: [`${HOST}/acme/widget`], colour: 'blue' }, '/data/attributes/colour', /unknown attribute "colour"/],
    ];
    for (const [attributes, pointer, detail] of cases) {
      const r = await start(attributes);
      assert.equal(r.status, 422, JSON.stringify(attributes));
      assert.equal(r.body.errors[0].source.pointer, pointer, JSON.stringify(r.body));
      assert.match(r.body.errors[0].detail, detail);
    }
    assert.equal((await call(app, 'GET', '/api/v1/mirror-imports/imp-nope', WRITER)).status, 404);
  });

  it('keeps the newest import records only: older finished ones are deleted', async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal((await start({ providers: [`${HOST}/acme/widget`], 'dry-run': true })).status, 202);
      await app.mirror.imports();
    }
    const before = (await call(app, 'GET', '/api/v1/mirror-imports', WRITER)).body.data as Array<{ id: string }>;
    assert.ok(before.length >= 4, `${before.length} imports listed`);
    const removed = await app.mirror.pruneImports(2);
    assert.equal(removed, before.length - 2);
    const after = (await call(replica, 'GET', '/api/v1/mirror-imports', WRITER)).body.data as Array<{ id: string }>;
    assert.deepEqual(
      after.map((r) => r.id),
      before.slice(0, 2).map((r) => r.id),
      'the two newest remain',
    );
    assert.equal((await call(app, 'GET', `/api/v1/mirror-imports/${before.at(-1)!.id}`, WRITER)).status, 404);
  });
});
