// The draft flow of docs/design/publishing-baseline.md#drafts on the memory store: files uploaded one by one, listed, replaced, checked,
// published with the tarball's checks; never visible to terraform/tofu before publishing.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { providerRepository } from '../layout/names.js';
import { createMemoryStore } from '../oci/memory-store.js';
import { assertDetail, publishHarness } from '../../test/publish/harness.js';
import { generatePgpKey, type PgpKey } from '../../test/publish/pgp.js';
import { buildRelease, makeZip, sha256Hex } from '../../test/publish/release-fixture.js';

const P = 'terraform-provider-widget_1.0.0';

describe('drafts', () => {
  let key: PgpKey;
  before(async () => {
    key = await generatePgpKey();
  });

  async function setup(limits = {}) {
    const h = publishHarness(createMemoryStore(), { limits });
    const keyId = await h.api.createKey('acme', 'k', key.armoredPublic);
    const providerId = await h.api.createProvider('acme', 'widget');
    const created = await h.api.createVersion(providerId, keyId, '1.0.0');
    const id = created.body.data.id as string;
    const put = (name: string, bytes: Uint8Array) => h.api.put(`/api/v1/provider-versions/${id}/files/${encodeURIComponent(name)}`, bytes);
    return { h, id, put };
  }

  it('lists, replaces and publishes draft files; invisible until published', async () => {
    const { h, id, put } = await setup();
    const release = await buildRelease({
      type: 'widget',
      version: '1.0.0',
      platforms: [{ os: 'linux', arch: 'amd64' }],
      sign: (d) => key.sign(d),
    });
    const zip = release.files.get(`${P}_linux_amd64.zip`)!;
    const first = await put(`${P}_linux_amd64.zip`, await makeZip({ 'terraform-provider-widget_v1.0.0': 'an older build' }));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    for (const [name, bytes] of release.files) assert.equal((await put(name, bytes)).status, 200, name);
    assert.equal((await put('README.md', Buffer.from('# widget'))).status, 200);

    const files = await h.api.get(`/api/v1/provider-versions/${id}/files`);
    assert.deepEqual(
      files.body.data.map((f: { id: string; attributes: { role: string } }) => [f.id, f.attributes.role]),
      [
        ['README.md', 'extra'],
        [`${P}_SHA256SUMS`, 'shasums'],
        [`${P}_SHA256SUMS.sig`, 'signature'],
        [`${P}_linux_amd64.zip`, 'zip'],
      ],
    );
    assert.equal(files.body.data[3].attributes.sha256, sha256Hex(zip), 're-uploading a name replaced it');

    const repo = providerRepository('tf', h.deps.registryHostname, 'acme', 'widget');
    assert.deepEqual(await h.deps.store.listTags(repo), ['draft.1.0.0']);
    const hidden = await h.app.request('/v1/providers/acme/widget/versions');
    assert.deepEqual(((await hidden.json()) as { versions: unknown[] }).versions, []);
    assert.equal((await h.app.request('/v1/providers/acme/widget/1.0.0/download/linux/amd64')).status, 404);

    const published = await h.api.request('POST', `/api/v1/provider-versions/${id}/publish`);
    assert.equal(published.status, 200, JSON.stringify(published.body));
    assert.equal(published.body.data.attributes.status, 'uploaded');
    assert.deepEqual(await h.deps.store.listTags(repo), ['1.0.0']);
    assert.equal((await h.app.request('/v1/providers/acme/widget/1.0.0/download/linux/amd64')).status, 200);

    const late = await put('CHANGELOG.md', Buffer.from('x'));
    assert.equal(late.status, 409);
    assert.equal((await h.api.request('POST', `/api/v1/provider-versions/${id}/publish`)).status, 409);
  });

  it('refuses bad file names and bad zips at upload time, naming the file and the check', async () => {
    const { h, id, put } = await setup();
    const cases: Array<[string, Uint8Array, number, RegExp]> = [
      ['notes.txt', Buffer.from('x'), 422, /notes\.txt: unsupported file/],
      [
        'terraform-provider-widget_2.0.0_linux_amd64.zip',
        Buffer.from('x'),
        422,
        /version is "2\.0\.0", expected "1\.0\.0" \(file name check\)/,
      ],
      ['docs/index.md', Buffer.from('x'), 422, /docs\/index\.md: unsupported file: .*not in drafts/],
      [`${P}_linux_amd64.zip`, Buffer.from('not a zip'), 422, /_linux_amd64\.zip: not a zip file: .* \(zip check\)/],
      [
        `${P}_linux_arm64.zip`,
        await makeZip({ 'terraform-provider-widget_v1.0.0': 'bin', 'evil.sh': 'x' }),
        422,
        /holds files other than the provider binary .*evil\.sh \(zip check\)/,
      ],
    ];
    for (const [name, bytes, status, re] of cases) {
      const r = await put(name, bytes);
      assert.equal(r.status, status, `${name}: ${JSON.stringify(r.body)}`);
      assertDetail(r, re);
    }
    const files = await h.api.get(`/api/v1/provider-versions/${id}/files`);
    assert.deepEqual(files.body.data, [], 'refused files are not part of the draft');
  });

  it('publishes only a complete, signed draft: every failed check is reported and recorded', async () => {
    const { h, id, put } = await setup();
    assert.equal((await h.api.request('POST', `/api/v1/provider-versions/${id}/publish`)).status, 422);
    const release = await buildRelease({
      type: 'widget',
      version: '1.0.0',
      platforms: [{ os: 'linux', arch: 'amd64' }],
      sign: (d) => key.sign(d),
    });
    await put(`${P}_linux_amd64.zip`, release.files.get(`${P}_linux_amd64.zip`)!);
    await put(`${P}_darwin_arm64.zip`, await makeZip({ 'terraform-provider-widget_v1.0.0': 'unlisted' }));
    await put(`${P}_SHA256SUMS`, release.files.get(`${P}_SHA256SUMS`)!);
    const r = await h.api.request('POST', `/api/v1/provider-versions/${id}/publish`);
    assert.equal(r.status, 422);
    assertDetail(r, new RegExp(`the release has no ${P}_SHA256SUMS\\.sig`));
    assertDetail(r, new RegExp(`${P}_darwin_arm64\\.zip: not listed in ${P}_SHA256SUMS`));
    const v = await h.api.get(`/api/v1/provider-versions/${id}`);
    assert.equal(v.body.data.attributes.status, 'errored');
    assert.equal(v.body.data.attributes['error-messages'].length, 2);
    assert.equal((await h.app.request('/v1/providers/acme/widget/1.0.0/download/linux/amd64')).status, 404);
  });

  it('caps draft file sizes while streaming (413)', async () => {
    const { put } = await setup({ maxSmallFileBytes: 100, maxEntryBytes: 1000 });
    const big = await put('README.md', Buffer.alloc(101, 'x'));
    assert.equal(big.status, 413);
    assertDetail(big, /README\.md is larger than the limit of 100 bytes/);
    const bigZip = await put(`${P}_linux_amd64.zip`, Buffer.alloc(1001));
    assert.equal(bigZip.status, 413);
  });
});
