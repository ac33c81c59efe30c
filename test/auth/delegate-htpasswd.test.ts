// Delegated mode against the REAL Distribution 2.8 with htpasswd (Basic) auth: terraform's token carries
// `user:password` (plain or base64), or the configured user name plus the token as password; API clients
// may send Basic. htpasswd has NO authorization (docs/design/oci-registries.md §1(b): every valid user may pull,
// push and delete), so "the reader cannot publish" is shown against token auth (delegate-token.test.ts);
// here: anonymous and wrong passwords are refused, both users read, downloads need no header, a push
// uses the caller's own credential, and nothing secret reaches the logs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { providerRepository } from '../../src/layout/names.js';
import type { Credential } from '../../src/oci/store.js';
import { toAppError } from '../../src/core/store-errors.js';
import { DOCKER_REGISTRY_BIN, requireTool, startDistribution, type Distribution } from '../support/distribution.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { makeFixtureRelease, pushRelease } from '../support/provider-fixture.js';
import { asCredential, bearer, buildAuthApp, pathOf, type AuthTestApp } from './support.js';

const tools = requireTool(DOCKER_REGISTRY_BIN, 'htpasswd', 'gpg', 'zip');
const HOST = 'registry.example.test';
const REPO = providerRepository('tf', HOST, 'acme', 'basic');
const READER = 'reader:htpw-reader-51c2';
const PUSHER = 'pusher:htpw-pusher-a93d';
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('delegate mode over Distribution 2.8 with htpasswd', tools, () => {
  let reg: Distribution;
  let signer: TestSigner;
  let t: AuthTestApp;
  const toml = (url: string, extra = '') =>
    `[storage]\nkind = "registry"\nurl = "${url}"\nplain_http = true\nprefix = "tf"\n[auth]\n${extra}`;
  const credentialOf = (app: AuthTestApp, headers: Record<string, string>): Credential => {
    const c = app.access.identify(new Request('https://x/', { headers })).caller.credential;
    assert.ok(c);
    return c;
  };

  before(async () => {
    reg = await startDistribution({ auth: { kind: 'htpasswd', users: { reader: 'htpw-reader-51c2', pusher: 'htpw-pusher-a93d' } } });
    t = buildAuthApp(undefined, toml(reg.url));
    signer = await createTestSigner();
    const rel = await makeFixtureRelease({ type: 'basic', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
    await pushRelease(asCredential(t.shared.store, credentialOf(t, bearer(PUSHER))), REPO, rel);
  });
  after(async () => {
    await signer?.cleanup();
    await reg?.stop();
  });

  it('refuses anonymous callers and wrong passwords with 401 + WWW-Authenticate: Bearer', async () => {
    for (const headers of [{}, bearer('reader:wrong'), bearer('just-a-token')]) {
      const res = await t.app.request('/v1/providers/acme/basic/versions', { headers });
      assert.equal(res.status, 401, JSON.stringify(Object.keys(headers)));
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="tf-oci-registry"');
    }
  });

  it('refuses an Authorization scheme it does not know with 401 invalid_token', async () => {
    const res = await t.app.request('/v1/providers/acme/basic/versions', { headers: { authorization: 'Digest abc' } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  it('lets a valid user read with user:password (plain, base64, or Basic) and download with no header', async () => {
    for (const headers of [bearer(READER), bearer(b64(READER)), { authorization: `Basic ${b64(READER)}` }]) {
      const pkg = await t.app.request('/v1/providers/acme/basic/1.0.0/download/linux/amd64', { headers });
      assert.equal(pkg.status, 200);
      const body = (await pkg.json()) as { download_url: string; shasum: string };
      const zip = await t.app.request(pathOf(body.download_url));
      assert.equal(zip.status, 200);
      assert.equal(
        createHash('sha256')
          .update(Buffer.from(await zip.arrayBuffer()))
          .digest('hex'),
        body.shasum,
      );
    }
  });

  it('with delegate_token_as = "password", the token is the configured user\'s password', async () => {
    const app = buildAuthApp(undefined, toml(reg.url, 'delegate_token_as = "password"\ndelegate_username = "reader"\n'));
    assert.equal((await app.app.request('/v1/providers/acme/basic/versions', { headers: bearer('htpw-reader-51c2') })).status, 200);
    assert.equal((await app.app.request('/v1/providers/acme/basic/versions', { headers: bearer('htpw-pusher-a93d') })).status, 401);
  });

  it("pushes with the caller's own credential (a bad one is refused upstream with 401)", async () => {
    const bad = asCredential(t.shared.store, credentialOf(t, bearer('pusher:wrong')));
    await assert.rejects(
      bad.pushBlob(REPO, Readable.from([Buffer.from('x')])),
      (err: unknown) => toAppError(err, ['NOT_FOUND', ''], '').status === 401,
    );
    const good = asCredential(t.shared.store, credentialOf(t, bearer(PUSHER)));
    const d = await good.pushBlob(REPO, Buffer.from('pushed by the pusher'));
    assert.equal((await good.statBlob(REPO, d.digest))?.size, 20);
  });

  it('never writes a password, user:password or its base64 to the logs', () => {
    const text = t.logs();
    assert.ok(text.includes('"msg":"request"'), 'access lines were captured');
    for (const s of ['htpw-reader-51c2', 'htpw-pusher-a93d', READER, PUSHER]) {
      for (const form of [s, b64(s), encodeURIComponent(s)]) assert.ok(!text.includes(form), `logs contain ${form.slice(0, 5)}…`);
    }
  });
});
