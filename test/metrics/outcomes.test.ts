// Publish and import outcomes in /metrics (docs/operations.md#metrics): a good upload counts `ok`, a
// release refused by a check counts `verification:<check>`, a reused upload URL `refused:conflict`; an
// import through the import API counts each platform `imported` (ok), then `skipped` (already_stored).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { importReason } from '../../src/mirror/import-providers.js';
import { buildAuthApp, type AuthTestApp } from '../auth/support.js';
import { startUpstream, type Upstream } from '../mirror/support.js';
import { requireTool } from '../support/distribution.js';
import { generatePgpKey, type PgpKey } from '../publish/pgp.js';
import { buildRelease, entriesOf, tarGz } from '../publish/release-fixture.js';

const HOST = 'upstream.example.test';

async function call(a: AuthTestApp, method: string, path: string, body?: unknown, raw?: Buffer) {
  const res = await a.app.request(path.startsWith('http') ? new URL(path).pathname : path, {
    method,
    headers: raw ? { 'content-type': 'application/octet-stream' } : body ? { 'content-type': 'application/vnd.api+json' } : {},
    ...(raw ? { body: raw } : body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
}

async function metric(a: AuthTestApp, name: string, labels: string): Promise<number> {
  const { body } = await a.metrics!.render();
  const line = body.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('publish and import outcome metrics', requireTool('zip'), () => {
  let upstream: Upstream;
  let app: AuthTestApp;
  let key: PgpKey;
  before(async () => {
    upstream = await startUpstream(HOST);
    await upstream.publish('widget', '1.0.0', [{ os: 'linux', arch: 'amd64' }]);
    key = await generatePgpKey();
    app = buildAuthApp(
      createMemoryStore(),
      `[storage]\nprefix = "tf"\n[metrics]\nenabled = true\n[auth]\nmode = "none"\n[[mirror.upstream]]\nhostname = "${HOST}"\nurl = "${upstream.url}"\n`,
    );
  });
  after(() => upstream?.stop());

  async function version(v: string, namespace: string): Promise<string> {
    const k = await call(app, 'POST', '/api/v1/gpg-keys', {
      data: { type: 'gpg-keys', attributes: { namespace, name: 'k', 'ascii-armor': key.armoredPublic } },
    });
    const p = await call(app, 'POST', '/api/v1/providers', { data: { type: 'providers', attributes: { namespace, name: 'widget' } } });
    const created = await call(app, 'POST', '/api/v1/provider-versions', {
      data: {
        type: 'provider-versions',
        attributes: { version: v },
        relationships: {
          provider: { data: { type: 'providers', id: p.body.data.id } },
          'gpg-key': { data: { type: 'gpg-keys', id: k.body.data.id } },
        },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.data.links.upload as string;
  }

  it('counts publish outcomes by reason', async () => {
    const good = await buildRelease({
      type: 'widget',
      version: '1.0.0',
      platforms: [{ os: 'linux', arch: 'amd64' }],
      sign: (d) => key.sign(d),
    });
    const url = await version('1.0.0', 'good');
    assert.equal((await call(app, 'PUT', url, undefined, await tarGz(entriesOf(good)))).status, 200);
    assert.equal(await metric(app, 'tfoci_publish_outcomes_total', 'kind="provider",reason="ok"'), 1);

    assert.equal((await call(app, 'PUT', url, undefined, await tarGz(entriesOf(good)))).status, 409);
    assert.equal(await metric(app, 'tfoci_publish_outcomes_total', 'kind="provider",reason="refused:conflict"'), 1);

    const bad = await buildRelease({
      type: 'widget',
      version: '2.0.0',
      platforms: [{ os: 'linux', arch: 'amd64' }],
      sign: (d) => key.sign(d),
      zipExtras: { 'payload.txt': 'not allowed in a provider zip' },
    });
    const refused = await call(app, 'PUT', await version('2.0.0', 'bad'), undefined, await tarGz(entriesOf(bad)));
    assert.equal(refused.status, 422);
    assert.equal(await metric(app, 'tfoci_publish_outcomes_total', 'kind="provider",reason="verification:zip"'), 1);
  });

  it('counts import outcomes per platform', async () => {
    const start = () =>
      call(app, 'POST', '/api/v1/mirror-imports', {
        data: { type: 'mirror-imports', attributes: { providers: [`${HOST}/acme/widget`], platforms: ['linux_amd64'] } },
      });
    assert.equal((await start()).status, 202);
    await app.mirror.imports();
    assert.equal(await metric(app, 'tfoci_import_outcomes_total', 'outcome="imported",reason="ok"'), 1);
    assert.equal((await start()).status, 202);
    await app.mirror.imports();
    assert.equal(await metric(app, 'tfoci_import_outcomes_total', 'outcome="skipped",reason="already_stored"'), 1);
  });

  it('classifies failed imports', () => {
    const item = { provider: 'p', version: '1.0.0', platform: 'linux_amd64', filename: 'f.zip' };
    assert.equal(importReason({ ...item, outcome: 'failed', detail: 'the zip does not match its sha256' }), 'verification');
    assert.equal(importReason({ ...item, outcome: 'failed', detail: 'the OCI registry at x is unavailable' }), 'registry_error');
    assert.equal(importReason({ ...item, outcome: 'failed', detail: 'something else' }), 'failed');
  });
});
