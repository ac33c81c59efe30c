// Service-credential mode against the REAL Distribution 2.8 with htpasswd: the server reads with ITS
// credential (storage.username / storage.password_file), callers present the server's own API tokens.
// No token -> 401; a token with providers:read lists and downloads (URL without any header); a token
// without it -> 403; the storage password and the API token never reach the logs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashToken } from '../../src/auth/api-tokens.js';
import { providerRepository } from '../../src/layout/names.js';
import { DOCKER_REGISTRY_BIN, requireTool, startDistribution, type Distribution } from '../support/distribution.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { makeFixtureRelease, pushRelease } from '../support/provider-fixture.js';
import { asCredential, bearer, buildAuthApp, pathOf, type AuthTestApp } from './support.js';

const tools = requireTool(DOCKER_REGISTRY_BIN, 'htpasswd', 'gpg', 'zip');
const STORAGE_PW = 'svc-storage-pw-6e21';
const READ_TOKEN = 'api-read-token-d94c1f0a';
const KEYS_TOKEN = 'api-keys-token-77b2e3c9';

describe('service mode over Distribution 2.8 with htpasswd', tools, () => {
  let reg: Distribution;
  let signer: TestSigner;
  let t: AuthTestApp;

  before(async () => {
    reg = await startDistribution({ auth: { kind: 'htpasswd', users: { svc: STORAGE_PW } } });
    t = buildAuthApp(
      undefined,
      `[storage]\nkind = "registry"\nurl = "${reg.url}"\nplain_http = true\nprefix = "tf"\nusername = "svc"\npassword_file = "/run/secrets/pw"
[auth]\nmode = "service"
[[auth.tokens]]\nname = "reader"\nsha256 = "${hashToken(READ_TOKEN)}"\npermissions = ["providers:read"]
[[auth.tokens]]\nname = "keys"\nsha256 = "${hashToken(KEYS_TOKEN)}"\npermissions = ["gpg-keys:*"]\n`,
      {},
      { '/run/secrets/pw': `${STORAGE_PW}\n` },
    );
    signer = await createTestSigner();
    const rel = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
    await pushRelease(
      asCredential(t.shared.store, { username: 'svc', password: STORAGE_PW }),
      providerRepository('tf', 'registry.example.test', 'acme', 'widget'),
      rel,
    );
  });
  after(async () => {
    await signer?.cleanup();
    await reg?.stop();
  });

  it('refuses callers without a token (401) or without the permission (403)', async () => {
    const anon = await t.app.request('/v1/providers/acme/widget/versions');
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('www-authenticate'), 'Bearer realm="tf-oci-registry"');
    const keys = await t.app.request('/v1/providers/acme/widget/versions', { headers: bearer(KEYS_TOKEN) });
    assert.equal(keys.status, 403);
    assert.match(
      ((await keys.json()) as { errors: Array<{ detail: string }> }).errors[0]!.detail,
      /API token "keys" lacks the permission providers:read/,
    );
    // The storage credential is NOT what a registry user sends: presenting it gets nothing.
    assert.equal((await t.app.request('/v1/providers/acme/widget/versions', { headers: bearer(`svc:${STORAGE_PW}`) })).status, 401);
  });

  it('lets a providers:read token list and download with the service credential', async () => {
    const pkg = await t.app.request('/v1/providers/acme/widget/1.0.0/download/linux/amd64', { headers: bearer(READ_TOKEN) });
    assert.equal(pkg.status, 200);
    const { download_url } = (await pkg.json()) as { download_url: string };
    const zip = await t.app.request(pathOf(download_url));
    assert.equal(zip.status, 200);
    assert.ok((await zip.arrayBuffer()).byteLength > 0);
  });

  it('never logs the storage password or an API token', () => {
    const text = t.logs();
    assert.ok(text.includes('"apiToken":"reader"'), 'the token NAME is logged for audit');
    for (const s of [STORAGE_PW, `svc:${STORAGE_PW}`, READ_TOKEN, KEYS_TOKEN]) {
      for (const form of [s, Buffer.from(s).toString('base64')]) assert.ok(!text.includes(form), `logs contain ${form.slice(0, 5)}…`);
    }
  });
});
