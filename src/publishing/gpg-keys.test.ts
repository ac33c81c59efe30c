// The gpg-keys resource through the HTTP API on the memory store (docs/design/publishing-baseline.md#managing-gpg-keys).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createMemoryStore } from '../oci/memory-store.js';
import { assertDetail, JSON_API, publishHarness } from '../../test/publish/harness.js';
import { generatePgpKey, type PgpKey } from '../../test/publish/pgp.js';

const DAY = 24 * 3600;

describe('gpg-keys', () => {
  let key: PgpKey;
  let key2: PgpKey;
  before(async () => {
    [key, key2] = await Promise.all([generatePgpKey(), generatePgpKey()]);
  });

  const create = (h: ReturnType<typeof publishHarness>, attributes: Record<string, unknown>) =>
    h.api.post('/api/v1/gpg-keys', { data: { type: 'gpg-keys', attributes } });

  it('extracts fingerprint and key id, answers 201 with a Location and a derived id', async () => {
    const h = publishHarness(createMemoryStore());
    const r = await create(h, { namespace: 'Acme', name: 'release key', description: 'CI', 'ascii-armor': key.armoredPublic });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.headers.get('content-type'), JSON_API);
    const d = r.body.data;
    assert.equal(d.type, 'gpg-keys');
    assert.equal(d.id, `gpg-acme.${key.fingerprint.toLowerCase()}`);
    assert.equal(r.headers.get('location'), `https://registry.example.test/api/v1/gpg-keys/${d.id}`);
    assert.equal(d.attributes.namespace, 'acme');
    assert.equal(d.attributes.fingerprint, key.fingerprint);
    assert.equal(d.attributes['key-id'], key.keyId);
    assert.equal(d.attributes['versions-count'], 0);
    assert.equal(r.body.meta, undefined, 'no warnings for a key without expiry');
    const got = await h.api.get(`/api/v1/gpg-keys/${d.id}`);
    assert.equal(got.body.data.attributes.name, 'release key');
  });

  it('refuses the same fingerprint in the namespace with 409 naming the existing key, allows it elsewhere', async () => {
    const h = publishHarness(createMemoryStore());
    assert.equal((await create(h, { namespace: 'acme', name: 'first', 'ascii-armor': key.armoredPublic })).status, 201);
    const dup = await create(h, { namespace: 'acme', name: 'second', 'ascii-armor': key.armoredPublic });
    assert.equal(dup.status, 409);
    assertDetail(dup, /already has a key with fingerprint .*: "first"/);
    assert.equal((await create(h, { namespace: 'other', name: 'first', 'ascii-armor': key.armoredPublic })).status, 201);
  });

  it('refuses a second key with the same name (case-insensitive) in the namespace', async () => {
    const h = publishHarness(createMemoryStore());
    await create(h, { namespace: 'acme', name: 'Release Key', 'ascii-armor': key.armoredPublic });
    const dup = await create(h, { namespace: 'acme', name: 'release key', 'ascii-armor': key2.armoredPublic });
    assert.equal(dup.status, 409);
    assertDetail(dup, /already has a key named "Release Key"/);
  });

  it('validates name, namespace and armor with 422 pointing at the attribute', async () => {
    const h = publishHarness(createMemoryStore());
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [
        { namespace: 'acme', name: 'bad/name', 'ascii-armor': key.armoredPublic },
        'name',
        /letters, digits, dashes, underscores and spaces/,
      ],
      [{ namespace: 'acme', 'ascii-armor': key.armoredPublic }, 'name', /"name" is required/],
      [{ namespace: 'bad ns', name: 'k', 'ascii-armor': key.armoredPublic }, 'namespace', /invalid provider namespace/],
      [{ namespace: 'acme', name: 'k', 'ascii-armor': 'hello' }, 'ascii-armor', /not an ASCII-armored OpenPGP public key/],
      [
        { namespace: 'acme', name: 'k', 'ascii-armor': '-----BEGIN PGP PRIVATE KEY BLOCK-----\nxx\n-----END PGP PRIVATE KEY BLOCK-----' },
        'ascii-armor',
        /private key/,
      ],
      [{ namespace: 'acme', name: 'k', 'ascii-armor': key.armoredPublic, color: 'red' }, 'color', /unknown attribute "color"/],
    ];
    for (const [attrs, member, re] of cases) {
      const r = await create(h, attrs);
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assertDetail(r, re);
      assert.equal(r.body.errors[0].source.pointer, `/data/attributes/${member}`);
    }
  });

  it('answers 415 for a non-JSON body, 409 for a wrong resource type, 400 for garbage', async () => {
    const h = publishHarness(createMemoryStore());
    const form = await h.api.request('POST', '/api/v1/gpg-keys', {
      body: 'a=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 415);
    const wrongType = await h.api.post('/api/v1/gpg-keys', { data: { type: 'providers', attributes: {} } });
    assert.equal(wrongType.status, 409);
    const garbage = await h.api.request('POST', '/api/v1/gpg-keys', { body: '{nope', headers: { 'content-type': 'application/json' } });
    assert.equal(garbage.status, 400);
    assert.equal(garbage.headers.get('content-type'), JSON_API);
  });

  it('updates name and description; refuses the armor and the fingerprint naming the attribute', async () => {
    const h = publishHarness(createMemoryStore());
    const id = await h.api.createKey('acme', 'old', key.armoredPublic);
    const ok = await h.api.patch(`/api/v1/gpg-keys/${id}`, {
      data: { type: 'gpg-keys', id, attributes: { name: 'new', description: 'rotated' } },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.data.attributes.name, 'new');
    assert.equal(ok.body.data.attributes.description, 'rotated');
    for (const attr of ['ascii-armor', 'fingerprint']) {
      const r = await h.api.patch(`/api/v1/gpg-keys/${id}`, { data: { type: 'gpg-keys', attributes: { [attr]: 'x' } } });
      assert.equal(r.status, 422);
      assertDetail(r, new RegExp(`attribute "${attr}" of a GPG key cannot be changed`));
    }
    assert.equal(
      (await h.api.get(`/api/v1/gpg-keys/${id}`)).body.data.attributes['ascii-armor'],
      `${key.armoredPublic.replace(/\r\n?/g, '\n').trim()}\n`,
    );
  });

  it('lists keys, filtered by namespace, with versions-count; refuses deleting a key in use', async () => {
    const h = publishHarness(createMemoryStore());
    const a = await h.api.createKey('acme', 'a', key.armoredPublic);
    await h.api.createKey('other', 'b', key2.armoredPublic);
    const p = await h.api.createProvider('acme', 'widget');
    assert.equal((await h.api.createVersion(p, a, '1.0.0')).status, 201);
    assert.equal((await h.api.createVersion(p, a, '1.1.0')).status, 201);
    const all = await h.api.get('/api/v1/gpg-keys');
    assert.equal(all.body.data.length, 2);
    const acme = await h.api.get('/api/v1/gpg-keys?filter[namespace]=acme');
    assert.deepEqual(
      acme.body.data.map((k: { id: string }) => k.id),
      [a],
    );
    assert.equal(acme.body.data[0].attributes['versions-count'], 2);
    const refused = await h.api.delete(`/api/v1/gpg-keys/${a}`);
    assert.equal(refused.status, 409);
    assertDetail(refused, /still used by 2 provider version\(s\) \(widget 1\.0\.0, widget 1\.1\.0\)/);
    await h.api.delete('/api/v1/provider-versions/ver-acme.widget.1.0.0');
    await h.api.delete('/api/v1/provider-versions/ver-acme.widget.1.1.0');
    assert.equal((await h.api.delete(`/api/v1/gpg-keys/${a}`)).status, 204);
    assert.equal((await h.api.get(`/api/v1/gpg-keys/${a}`)).status, 404);
  });

  it('warns in meta.warnings when the key expires within 30 days or has expired', async () => {
    const h = publishHarness(createMemoryStore());
    const soon = await generatePgpKey({ expiresInSeconds: 10 * DAY });
    // The clock from after the key was made (its creation time is whole seconds, so not later than now):
    // a clock read before would see more than 10 days left whenever the key took a moment to make.
    h.clock.now = Date.now();
    const r = await create(h, { namespace: 'acme', name: 'soon', 'ascii-armor': soon.armoredPublic });
    assert.equal(r.status, 201);
    assert.match(r.body.meta.warnings[0], /expires on .* \(in 10 days\)/);
    h.clock.now += 11 * DAY * 1000;
    const later = await h.api.get(`/api/v1/gpg-keys/${r.body.data.id}`);
    assert.match(later.body.meta.warnings[0], /expired on/);
    const list = await h.api.get('/api/v1/gpg-keys');
    assert.match(list.body.data[0].meta.warnings[0], /expired on/);
  });

  it('answers 404 for ids that cannot name a key', async () => {
    const h = publishHarness(createMemoryStore());
    for (const id of ['gpg-acme.zz', 'prv-acme.widget', `gpg-ACME.${'a'.repeat(40)}`, 'nonsense']) {
      const r = await h.api.get(`/api/v1/gpg-keys/${id}`);
      assert.equal(r.status, 404, id);
    }
  });
});
