// Key checks with REAL GnuPG keys (gpg --quick-gen-key with an expiry, a certify-only primary with a
// signing subkey, a revoked subkey, a key that expired): key records list creation, expiry, signing
// expiry, capabilities and subkeys; registration refuses a key that cannot sign (422 naming why) and warns
// (meta.warnings + the log) when it expires within 30 days; versions repeat the warning at create and
// upload, and the key lists the versions that use it (docs/publishing.md#key-expiry).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { createGpgHome, gpgSkip, type GpgHome } from '../support/gpg.js';
import { buildTestApp, pathOf } from '../support/test-app.js';
import { buildRelease, entriesOf, tarGz } from '../publish/release-fixture.js';

const JSON_API = 'application/vnd.api+json';
type Json = Record<string, any>;

describe('GPG key checks with real GnuPG keys', { skip: gpgSkip, timeout: 180_000 }, () => {
  let home: GpgHome;
  const t = buildTestApp(createMemoryStore());

  async function send(method: string, path: string, body?: unknown, raw?: Buffer): Promise<{ status: number; body: Json }> {
    const res = await t.app.request(path, {
      method,
      headers: { 'content-type': raw ? 'application/gzip' : JSON_API },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
  }
  const register = (namespace: string, name: string, armor: string) =>
    send('POST', '/api/v1/gpg-keys', { data: { type: 'gpg-keys', attributes: { namespace, name, 'ascii-armor': armor } } });

  before(async () => {
    home = await createGpgHome();
  });
  after(async () => home?.close());

  it('warns about a key that expires in 10 days, lists its dates and capabilities, and logs the warning', async () => {
    const key = await home.generateKey('ed25519', 'soon@example.test', { expire: '10d' });
    const r = await register('acme', 'soon', await home.exportPublicKey(key));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.match(r.body.meta.warnings[0], new RegExp(`key ${key.keyId} expires on \\d{4}-\\d\\d-\\d\\d \\(in (9|10|11) days\\)`));
    const a = r.body.data.attributes;
    assert.ok(Math.abs(Date.parse(a['expires-at']) - Date.now() - 10 * 86_400_000) < 2 * 86_400_000, a['expires-at']);
    assert.equal(a['signing-expires-at'], a['expires-at']);
    assert.ok(Date.now() - Date.parse(a['key-created-at']) < 600_000, a['key-created-at']);
    assert.deepEqual(a.capabilities, ['certify', 'sign']);
    assert.deepEqual(a.subkeys, []);
    assert.ok(t.logLines.some((l) => l.includes('GPG key registered with warnings') && l.includes(key.keyId)));
  });

  it('lists a signing subkey with its capabilities, and refuses the key once that subkey is revoked', async () => {
    const key = await home.generateKey('subkey', 'sub@example.test');
    const ok = await register('subs', 'with-subkey', await home.exportPublicKey(key));
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.data.attributes.capabilities, ['certify']);
    const [sub] = ok.body.data.attributes.subkeys;
    assert.equal(sub['key-id'], key.signingKeyId);
    assert.deepEqual(sub.capabilities, ['sign']);
    assert.equal(sub.revoked, false);
    assert.equal(ok.body.meta, undefined, 'a key valid for a year has no warning');

    await home.gpg(
      ['--command-fd', '0', '--status-fd', '2', '--edit-key', key.fingerprint],
      Buffer.from('key 1\nrevkey\ny\n0\n\ny\nsave\n'),
    );
    const revoked = await register('revoked', 'revoked-subkey', await home.exportPublicKey(key));
    assert.equal(revoked.status, 422, JSON.stringify(revoked.body));
    assert.equal(revoked.body.errors[0].code, 'VALIDATION_FAILED');
    assert.equal(revoked.body.errors[0].source.pointer, '/data/attributes/ascii-armor');
    assert.equal(revoked.body.errors[0].detail, `key ${key.keyId} cannot sign: its signing key is revoked (subkey ${key.signingKeyId})`);
  });

  it('refuses a key whose signing key has expired', async () => {
    const key = await home.generateKey('ed25519', 'old@example.test', { expire: '1d', fakedTime: '20200101T000000' });
    const r = await register('old', 'expired', await home.exportPublicKey(key));
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.errors[0].source.pointer, '/data/attributes/ascii-armor');
    assert.match(
      r.body.errors[0].detail,
      new RegExp(`key ${key.keyId} cannot sign: its signing key expired on 2020-01-0[12] .*gpg --quick-set-expire`),
    );
  });

  it('repeats the warning on the version at create and upload, and the key lists its versions', async () => {
    const key = await home.generateKey('ed25519', 'ver@example.test', { expire: '20d' });
    const k = await register('vend', 'short', await home.exportPublicKey(key));
    assert.equal(k.status, 201);
    await send('POST', '/api/v1/providers', { data: { type: 'providers', attributes: { namespace: 'vend', name: 'widget' } } });
    const rels = {
      provider: { data: { type: 'providers', id: 'prv-vend.widget' } },
      'gpg-key': { data: { type: 'gpg-keys', id: k.body.data.id } },
    };
    const v = await send('POST', '/api/v1/provider-versions', {
      data: { type: 'provider-versions', attributes: { version: '1.0.0' }, relationships: rels },
    });
    assert.equal(v.status, 201);
    assert.match(v.body.meta.warnings[0], /expires on .* \(in (19|20|21) days\)/);
    const release = await buildRelease({
      type: 'widget',
      version: '1.0.0',
      platforms: [{ os: 'linux', arch: 'amd64' }],
      protocols: ['6.0'],
      sign: (d) => home.detachSign(key, d),
    });
    const up = await send('PUT', pathOf(v.body.data.links.upload), undefined, await tarGz(entriesOf(release)));
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.equal(up.body.data.attributes.status, 'uploaded');
    assert.match(up.body.meta.warnings[0], /expires on/);
    assert.ok(t.logLines.some((l) => l.includes('expires soon or has expired')));

    const got = await send('GET', `/api/v1/gpg-keys/${k.body.data.id}`);
    assert.equal(got.body.data.attributes['versions-count'], 1);
    assert.deepEqual(got.body.data.relationships.versions.data, [{ type: 'provider-versions', id: 'ver-vend.widget.1.0.0' }]);
    const refused = await send('DELETE', `/api/v1/gpg-keys/${k.body.data.id}`);
    assert.equal(refused.status, 409);
    // Later: expired. The key and the version say so.
    t.clock.now += 30 * 86_400_000;
    const later = await send('GET', `/api/v1/gpg-keys/${k.body.data.id}`);
    assert.match(later.body.meta.warnings[0], /expired on/);
  });
});
