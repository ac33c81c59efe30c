// Publish by tarball on the memory store, through the HTTP API: one create call and one upload make a
// GoReleaser-named release servable on providers.v1 and the network mirror; the upload URL is single-use,
// expires, and cannot be forged.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { OciError } from '../oci/errors.js';
import { createMemoryStore } from '../oci/memory-store.js';
import type { OciStore } from '../oci/store.js';
import { assertDetail, publishHarness } from '../../test/publish/harness.js';
import { generatePgpKey, type PgpKey } from '../../test/publish/pgp.js';
import { buildRelease, entriesOf, sha256Hex, tarGz } from '../../test/publish/release-fixture.js';

const PLATFORMS = [
  { os: 'linux', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' },
  { os: 'windows', arch: '386' },
];

describe('publish by tarball (memory store)', () => {
  let key: PgpKey;
  before(async () => {
    key = await generatePgpKey();
  });

  async function setup(version = '1.2.0') {
    const h = publishHarness(createMemoryStore());
    const keyId = await h.api.createKey('acme', 'release key', key.armoredPublic);
    const providerId = await h.api.createProvider('acme', 'Widget');
    const created = await h.api.createVersion(providerId, keyId, version);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return {
      h,
      keyId,
      providerId,
      created,
      uploadUrl: created.body.data.links.upload as string,
      versionId: created.body.data.id as string,
    };
  }

  it('publishes a GoReleaser release with one create and one upload, then serves it', async () => {
    const { h, created, uploadUrl, versionId } = await setup();
    assert.equal(created.body.data.attributes.status, 'pending');
    assert.match(uploadUrl, /^https:\/\/registry\.example\.test\/api\/v1\/uploads\/[A-Za-z0-9_-]+$/);
    const release = await buildRelease({
      type: 'widget',
      version: '1.2.0',
      platforms: PLATFORMS,
      sign: (d) => key.sign(d),
      protocols: ['6.0'],
    });

    const up = await h.api.put(uploadUrl, await tarGz(entriesOf(release)));
    assert.equal(up.status, 200, JSON.stringify(up.body));
    const attrs = up.body.data.attributes;
    assert.equal(attrs.status, 'uploaded');
    assert.deepEqual(attrs.protocols, ['6.0']);
    assert.equal(attrs.shasums, release.files.get(release.shasumsName)?.toString());
    assert.deepEqual(attrs.platforms.map((p: { os: string; arch: string }) => `${p.os}_${p.arch}`).sort(), [
      'darwin_arm64',
      'linux_amd64',
      'windows_386',
    ]);
    assert.equal(attrs['key-id'], key.keyId);
    assert.deepEqual(await h.leftovers(), [], 'temp copies of the zips are removed');

    const versions = await h.app.request('/v1/providers/acme/widget/versions');
    assert.deepEqual(await versions.json(), {
      versions: [
        {
          version: '1.2.0',
          protocols: ['6.0'],
          platforms: [
            { os: 'darwin', arch: 'arm64' },
            { os: 'linux', arch: 'amd64' },
            { os: 'windows', arch: '386' },
          ],
        },
      ],
    });
    const dl = await h.app.request('/v1/providers/acme/widget/1.2.0/download/linux/amd64');
    assert.equal(dl.status, 200);
    const pkg = (await dl.json()) as Record<string, any>;
    const zipName = 'terraform-provider-widget_1.2.0_linux_amd64.zip';
    assert.equal(pkg.filename, zipName);
    assert.equal(pkg.shasum, sha256Hex(release.files.get(zipName)!));
    assert.equal(pkg.signing_keys.gpg_public_keys[0].key_id, key.keyId);
    const sig = await h.app.request(new URL(pkg.shasums_signature_url).pathname);
    const sigBytes = Buffer.from(await sig.arrayBuffer());
    assert.equal(sigBytes[0]! & 0x80, 0x80, 'the stored signature is binary OpenPGP');
    const zip = await h.app.request(new URL(pkg.download_url).pathname);
    assert.equal(sha256Hex(Buffer.from(await zip.arrayBuffer())), pkg.shasum);

    const mirror = await h.app.request('/mirror/registry.example.test/acme/widget/index.json');
    assert.deepEqual(await mirror.json(), { versions: { '1.2.0': {} } });

    const again = await h.api.get(`/api/v1/provider-versions/${versionId}`);
    assert.equal(again.body.data.attributes.status, 'uploaded');
  });

  it('accepts an armored signature and stores it in binary form', async () => {
    const { h, uploadUrl } = await setup('1.0.0');
    const release = await buildRelease({
      type: 'widget',
      version: '1.0.0',
      platforms: PLATFORMS.slice(0, 1),
      sign: (d) => key.sign(d, { armor: true }),
    });
    assert.match(release.files.get(`${release.shasumsName}.sig`)!.toString(), /BEGIN PGP SIGNATURE/);
    const up = await h.api.put(uploadUrl, await tarGz(entriesOf(release)));
    assert.equal(up.status, 200, JSON.stringify(up.body));
    const dl = (await (await h.app.request('/v1/providers/acme/widget/1.0.0/download/linux/amd64')).json()) as Record<string, string>;
    const sig = Buffer.from(await (await h.app.request(new URL(dl.shasums_signature_url!).pathname)).arrayBuffer());
    assert.equal(sig[0]! & 0x80, 0x80);
    assert.doesNotMatch(sig.toString('latin1'), /BEGIN PGP/);
  });

  it("records protocol 5.0 by default and the version's protocols attribute when the release has no manifest", async () => {
    const { h, uploadUrl } = await setup('1.0.0');
    const release = await buildRelease({ type: 'widget', version: '1.0.0', platforms: PLATFORMS.slice(0, 1), sign: (d) => key.sign(d) });
    const up = await h.api.put(uploadUrl, await tarGz(entriesOf(release)));
    assert.deepEqual(up.body.data.attributes.protocols, ['5.0']);

    const providerId = 'prv-acme.widget';
    const keys = await h.api.get('/api/v1/gpg-keys');
    const v2 = await h.api.createVersion(providerId, keys.body.data[0].id, '1.1.0', { protocols: ['6'] });
    assert.deepEqual(v2.body.data.attributes.protocols, ['6.0']);
    const r2 = await buildRelease({ type: 'widget', version: '1.1.0', platforms: PLATFORMS.slice(0, 1), sign: (d) => key.sign(d) });
    const up2 = await h.api.put(v2.body.data.links.upload, await tarGz(entriesOf(r2)));
    assert.equal(up2.status, 200, JSON.stringify(up2.body));
    assert.deepEqual(up2.body.data.attributes.protocols, ['6.0']);
  });

  it('accepts release files under one top-level directory and "./"', async () => {
    for (const [version, rename] of [
      ['1.0.0', (n: string) => `dist/${n}`],
      ['1.0.1', (n: string) => `./${n}`],
    ] as const) {
      const { h, uploadUrl } = await setup(version);
      const release = await buildRelease({ type: 'widget', version, platforms: PLATFORMS.slice(0, 1), sign: (d) => key.sign(d) });
      const entries = entriesOf(release, rename);
      if (version === '1.0.0') entries.unshift({ name: 'dist/', type: 'directory' });
      const up = await h.api.put(
        uploadUrl,
        await tarGz([...entries, { name: rename('README.md'), content: '# widget' }, { name: rename('docs/index.md'), content: '# docs' }]),
      );
      assert.equal(up.status, 200, JSON.stringify(up.body));
    }
  });

  it('makes the upload URL single-use: a second PUT is refused with 409', async () => {
    const { h, uploadUrl } = await setup('1.0.0');
    const release = await buildRelease({ type: 'widget', version: '1.0.0', platforms: PLATFORMS.slice(0, 1), sign: (d) => key.sign(d) });
    const tgz = await tarGz(entriesOf(release));
    assert.equal((await h.api.put(uploadUrl, tgz)).status, 200);
    const second = await h.api.put(uploadUrl, tgz);
    assert.equal(second.status, 409);
    assertDetail(second, /already uploaded/);
  });

  it('refuses a used URL after an errored upload with 409 and accepts a renewed one', async () => {
    const { h, uploadUrl, versionId } = await setup('1.0.0');
    const bad = await h.api.put(uploadUrl, await tarGz([{ name: 'junk.txt', content: 'x' }]));
    assert.equal(bad.status, 422);
    const reuse = await h.api.put(uploadUrl, await tarGz([{ name: 'junk.txt', content: 'x' }]));
    assert.equal(reuse.status, 409);
    assertDetail(reuse, /already been used/);
    const renewed = await h.api.request('POST', `/api/v1/provider-versions/${versionId}/upload-url`);
    assert.equal(renewed.status, 200);
    const release = await buildRelease({ type: 'widget', version: '1.0.0', platforms: PLATFORMS.slice(0, 1), sign: (d) => key.sign(d) });
    const ok = await h.api.put(renewed.body.data.links.upload, await tarGz(entriesOf(release)));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  it('refuses an expired URL with 403 and a tampered one with 403', async () => {
    const { h, uploadUrl } = await setup('1.0.0');
    h.clock.now += 3601 * 1000;
    const expired = await h.api.put(uploadUrl, Buffer.from('x'));
    assert.equal(expired.status, 403);
    assertDetail(expired, /expired/);
    const tampered = uploadUrl.slice(0, -3) + (uploadUrl.endsWith('AAA') ? 'BBB' : 'AAA');
    const forged = await h.api.put(tampered, Buffer.from('x'));
    assert.equal(forged.status, 403);
    assertDetail(forged, /not valid/);
  });

  it('refuses a download ticket used as an upload URL', async () => {
    const { h } = await setup('1.0.0');
    const ticket = h.deps.tokens.seal({ r: 'tf/x', d: 'sha256:00', s: 1, t: 'x', p: 'service' }, 60);
    const r = await h.api.put(`/api/v1/uploads/${ticket}`, Buffer.from('x'));
    assert.equal(r.status, 403);
  });

  it('answers 502 when the registry fails mid-upload, records it, and frees the version for a retry', async () => {
    const store = createMemoryStore();
    let failing = false;
    const flaky: OciStore = Object.create(store) as OciStore;
    flaky.pushBlob = (repo, source, opts) => {
      if (failing && repo.includes('/providers/')) {
        if (!Buffer.isBuffer(source)) source.destroy();
        return Promise.reject(new OciError('UNAVAILABLE', 'connection refused'));
      }
      return store.pushBlob(repo, source, opts);
    };
    const h = publishHarness(flaky);
    const keyId = await h.api.createKey('acme', 'k', key.armoredPublic);
    const providerId = await h.api.createProvider('acme', 'widget');
    const created = await h.api.createVersion(providerId, keyId, '1.0.0');
    const release = await buildRelease({ type: 'widget', version: '1.0.0', platforms: PLATFORMS.slice(0, 1), sign: (d) => key.sign(d) });
    failing = true;
    const up = await h.api.put(created.body.data.links.upload, await tarGz(entriesOf(release)));
    assert.equal(up.status, 502, JSON.stringify(up.body));
    assertDetail(up, /unavailable: connection refused/);
    const v = await h.api.get(`/api/v1/provider-versions/${created.body.data.id}`);
    assert.equal(v.body.data.attributes.status, 'errored');
    assert.match(
      v.body.data.attributes['error-messages'][0],
      /registry .*unavailable: connection refused.*registry failure while the release streamed in, not a problem of the release/,
    );
    assert.deepEqual(await h.leftovers(), []);
    failing = false;
    const renewed = await h.api.request('POST', `/api/v1/provider-versions/${created.body.data.id}/upload-url`);
    const ok = await h.api.put(renewed.body.data.links.upload, await tarGz(entriesOf(release)));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  it('survives a restart between create and upload (all state is in the store)', async () => {
    const store = createMemoryStore();
    const first = publishHarness(store);
    const keyId = await first.api.createKey('acme', 'k', key.armoredPublic);
    const providerId = await first.api.createProvider('acme', 'widget');
    const created = await first.api.createVersion(providerId, keyId, '2.0.0');
    const second = publishHarness(store); // new deps, caches, locks, same secret
    const release = await buildRelease({ type: 'widget', version: '2.0.0', platforms: PLATFORMS.slice(0, 1), sign: (d) => key.sign(d) });
    const up = await second.api.put(created.body.data.links.upload, await tarGz(entriesOf(release)));
    assert.equal(up.status, 200, JSON.stringify(up.body));
  });
});
