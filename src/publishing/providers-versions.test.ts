// The providers and provider-versions resources through the HTTP API on the memory store (docs/design/publishing-baseline.md
// #creating-a-provider, #creating-the-version, #protocol-versions).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { providerRepository } from '../layout/names.js';
import { createMemoryStore } from '../oci/memory-store.js';
import { pushForeignRelease } from '../../test/support/provider-fixture.js';
import { assertDetail, publishHarness } from '../../test/publish/harness.js';
import { generatePgpKey, type PgpKey } from '../../test/publish/pgp.js';
import { makeZip, sha256Hex } from '../../test/publish/release-fixture.js';

describe('providers', () => {
  it('lowercases the name, derives the id and the source address, 409 on a duplicate', async () => {
    const h = publishHarness(createMemoryStore());
    const r = await h.api.post('/api/v1/providers', {
      data: { type: 'providers', attributes: { namespace: 'Acme', name: 'My-Cloud', description: 'd' } },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.data.id, 'prv-acme.my-cloud');
    assert.equal(r.body.data.attributes.name, 'my-cloud');
    assert.equal(r.body.data.attributes.source, 'registry.example.test/acme/my-cloud');
    const dup = await h.api.post('/api/v1/providers', { data: { type: 'providers', attributes: { namespace: 'acme', name: 'my-cloud' } } });
    assert.equal(dup.status, 409);
    assertDetail(dup, /provider acme\/my-cloud already exists/);
  });

  it('refuses names outside the Terraform naming rules with 422 on "name"', async () => {
    const h = publishHarness(createMemoryStore());
    for (const name of ['1cloud', 'my_cloud', 'my--cloud', 'cloud-', '', 'x'.repeat(65)]) {
      const r = await h.api.post('/api/v1/providers', { data: { type: 'providers', attributes: { namespace: 'acme', name } } });
      assert.equal(r.status, 422, name);
      assert.equal(r.body.errors[0].source.pointer, '/data/attributes/name');
    }
  });

  it('changes only the description', async () => {
    const h = publishHarness(createMemoryStore());
    const id = await h.api.createProvider('acme', 'widget', 'old');
    const ok = await h.api.patch(`/api/v1/providers/${id}`, { data: { type: 'providers', attributes: { description: 'new' } } });
    assert.equal(ok.body.data.attributes.description, 'new');
    for (const attr of ['name', 'namespace']) {
      const r = await h.api.patch(`/api/v1/providers/${id}`, { data: { type: 'providers', attributes: { [attr]: 'x' } } });
      assert.equal(r.status, 422);
      assertDetail(r, new RegExp(`attribute "${attr}" of a provider cannot be changed`));
    }
    const wrongId = await h.api.patch(`/api/v1/providers/${id}`, { data: { type: 'providers', id: 'prv-acme.other', attributes: {} } });
    assert.equal(wrongId.status, 409);
  });

  it('lists providers by namespace; 404 for unknown ids', async () => {
    const h = publishHarness(createMemoryStore());
    await h.api.createProvider('acme', 'widget');
    await h.api.createProvider('acme', 'gadget');
    await h.api.createProvider('other', 'widget');
    const acme = await h.api.get('/api/v1/providers?filter[namespace]=acme');
    assert.deepEqual(
      acme.body.data.map((p: { id: string }) => p.id),
      ['prv-acme.gadget', 'prv-acme.widget'],
    );
    assert.equal((await h.api.get('/api/v1/providers')).body.data.length, 3);
    assert.equal((await h.api.get('/api/v1/providers/prv-acme.nope')).status, 404);
    assert.equal((await h.api.get('/api/v1/providers/prv-acme')).status, 404);
  });

  it('handles the longest names (record tags shortened to fit 128 characters)', async () => {
    const h = publishHarness(createMemoryStore());
    const ns = `n${'a'.repeat(63)}`;
    const type = `t${'b'.repeat(63)}`;
    const id = await h.api.createProvider(ns, type);
    assert.equal((await h.api.get(`/api/v1/providers/${id}`)).body.data.attributes.name, type);
    assert.equal((await h.api.get(`/api/v1/providers?filter[namespace]=${ns}`)).body.data.length, 1);
    assert.equal((await h.api.delete(`/api/v1/providers/${id}`)).status, 204);
  });
});

describe('provider-versions', () => {
  let key: PgpKey;
  before(async () => {
    key = await generatePgpKey();
  });

  async function setup() {
    const h = publishHarness(createMemoryStore());
    const keyId = await h.api.createKey('acme', 'k', key.armoredPublic);
    const providerId = await h.api.createProvider('acme', 'widget');
    return { h, keyId, providerId };
  }

  it('creates a pending version with relationships, a Location and a signed upload link', async () => {
    const { h, keyId, providerId } = await setup();
    const r = await h.api.createVersion(providerId, keyId, '1.2.3-rc.1+build.7');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const d = r.body.data;
    assert.equal(d.id, 'ver-acme.widget.1.2.3-rc.1_build.7');
    assert.equal(d.attributes.status, 'pending');
    assert.deepEqual(d.attributes['error-messages'], []);
    assert.equal(d.attributes['key-id'], key.keyId);
    assert.deepEqual(d.relationships.provider.data, { type: 'providers', id: providerId });
    assert.deepEqual(d.relationships['gpg-key'].data, { type: 'gpg-keys', id: keyId });
    assert.match(d.links.upload, /^https:\/\/registry\.example\.test\/api\/v1\/uploads\//);
    assert.equal(r.headers.get('location'), `https://registry.example.test/api/v1/provider-versions/${d.id}`);
    const got = await h.api.get(`/api/v1/provider-versions/${d.id}`);
    assert.equal(got.body.data.attributes.version, '1.2.3-rc.1+build.7');
    assert.equal(got.body.data.links.upload, undefined, 'the upload link is only handed out on creation');
  });

  it('refuses non-canonical versions with 422 on "version"', async () => {
    const { h, keyId, providerId } = await setup();
    for (const v of ['v1.0.0', '1.0', '01.0.0', 'latest', '']) {
      const r = await h.api.createVersion(providerId, keyId, v);
      assert.equal(r.status, 422, v);
      assert.equal(r.body.errors[0].source.pointer, '/data/attributes/version');
    }
  });

  it('refuses a duplicate version and a version already tagged by another tool with 409', async () => {
    const { h, keyId, providerId } = await setup();
    assert.equal((await h.api.createVersion(providerId, keyId, '1.0.0')).status, 201);
    const dup = await h.api.createVersion(providerId, keyId, '1.0.0');
    assert.equal(dup.status, 409);
    assertDetail(dup, /already has version 1\.0\.0/);
    const zip = await makeZip({ 'terraform-provider-widget': 'x' });
    await pushForeignRelease(h.deps.store, providerRepository('tf', h.deps.registryHostname, 'acme', 'widget'), '2.0.0', [
      {
        os: 'linux',
        arch: 'amd64',
        filename: 'terraform-provider-widget_2.0.0_linux_amd64.zip',
        bytes: zip,
        sha256: sha256Hex(zip),
        h1: 'h1:x',
      },
    ]);
    const foreign = await h.api.createVersion(providerId, keyId, '2.0.0');
    assert.equal(foreign.status, 409);
    assertDetail(foreign, /already exists in the OCI repository .* \(pushed by another tool\)/);
  });

  it('validates protocols: major 5 or 6, normalized to "X.Y"', async () => {
    const { h, keyId, providerId } = await setup();
    const ok = await h.api.createVersion(providerId, keyId, '1.0.0', { protocols: ['5', '6.0', '6.0'] });
    assert.deepEqual(ok.body.data.attributes.protocols, ['5.0', '6.0']);
    for (const protocols of [['4.0'], ['7'], [], 'six', [5]]) {
      const r = await h.api.createVersion(providerId, keyId, '1.1.0', { protocols });
      assert.equal(r.status, 422, JSON.stringify(protocols));
      // [5]: the schema points at the element itself (/data/attributes/protocols/0).
      assert.match(r.body.errors[0].source.pointer, /^\/data\/attributes\/protocols(\/0)?$/);
    }
  });

  it('requires existing relationships of the right type, and a key of the same namespace', async () => {
    const { h, keyId, providerId } = await setup();
    const missing = await h.api.createVersion('prv-acme.nope', keyId, '1.0.0');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.errors[0].source.pointer, '/data/relationships/provider/data/id');
    const noKey = await h.api.createVersion(providerId, `gpg-acme.${'0'.repeat(40)}`, '1.0.0');
    assert.equal(noKey.status, 404);
    const otherKey = await generatePgpKey();
    const foreignKey = await h.api.createKey('other', 'k', otherKey.armoredPublic);
    const cross = await h.api.createVersion(providerId, foreignKey, '1.0.0');
    assert.equal(cross.status, 422);
    assertDetail(cross, /belongs to namespace other, but provider prv-acme\.widget is in acme/);
    const noRel = await h.api.post('/api/v1/provider-versions', { data: { type: 'provider-versions', attributes: { version: '1.0.0' } } });
    assert.equal(noRel.status, 422);
    assert.equal(noRel.body.errors[0].source.pointer, '/data/relationships/provider');
  });

  it('lists versions by provider (in semver order) and by namespace', async () => {
    const { h, keyId, providerId } = await setup();
    const gadget = await h.api.createProvider('acme', 'gadget');
    await h.api.createVersion(providerId, keyId, '1.10.0');
    await h.api.createVersion(providerId, keyId, '1.2.0');
    await h.api.createVersion(gadget, keyId, '0.1.0');
    const widget = await h.api.get(`/api/v1/provider-versions?filter[provider]=${providerId}`);
    assert.deepEqual(
      widget.body.data.map((v: { attributes: { version: string } }) => v.attributes.version),
      ['1.2.0', '1.10.0'],
      'semver order',
    );
    assert.equal((await h.api.get('/api/v1/provider-versions?filter[namespace]=acme')).body.data.length, 3);
    assert.equal((await h.api.get('/api/v1/provider-versions?filter[namespace]=other')).body.data.length, 0);
  });

  it('refuses deleting a provider with versions unless cascading', async () => {
    const { h, keyId, providerId } = await setup();
    await h.api.createVersion(providerId, keyId, '1.0.0');
    const refused = await h.api.delete(`/api/v1/providers/${providerId}`);
    assert.equal(refused.status, 409);
    assertDetail(refused, /still has 1 version\(s\) \(1\.0\.0\); delete them first or pass \?cascade=true/);
    assert.equal((await h.api.delete(`/api/v1/providers/${providerId}?cascade=yes`)).status, 400);
    assert.equal((await h.api.delete(`/api/v1/providers/${providerId}?cascade=true`)).status, 204);
    assert.equal((await h.api.get('/api/v1/provider-versions/ver-acme.widget.1.0.0')).status, 404);
  });
});
