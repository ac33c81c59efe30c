// Delegated mode against the REAL Distribution 2.8 with token auth (test/support/token-server.ts): the
// caller's terraform token is exchanged at the registry's token server as the caller, and the registry
// decides. Reader: pull; pusher: pull+push; admin: pull+push+delete; anonymous refused by the token
// server. Publishing routes are not mounted yet (other engineers), so push/delete refusals are shown at
// the store/use-case layer WITH THE CREDENTIAL OUR AUTHENTICATE HOOK DERIVED from the caller's token,
// mapped through toAppError exactly as the routes will map them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { providerRepository } from '../../src/layout/names.js';
import type { Credential } from '../../src/oci/store.js';
import { toAppError } from '../../src/core/store-errors.js';
import { firstSkip, registryLabel, requireRegistry, requireTool, startDistribution, type Distribution } from '../support/distribution.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { makeFixtureRelease, pushRelease, type FixtureRelease } from '../support/provider-fixture.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';
import { asCredential, bearer, buildAuthApp, pathOf, type AuthTestApp } from './support.js';

const tools = firstSkip(requireRegistry(['token']), requireTool('openssl', 'gpg', 'zip'));
const HOST = 'registry.example.test';
const REPO = providerRepository('tf', HOST, 'acme', 'widget');
const SECRET_REPO = providerRepository('tf', HOST, 'hidden', 'widget');
const READER = 'reader:read-pw-7f3a9c';
const PUSHER = 'pusher:push-pw-2b8e41';
const ADMIN = 'admin:admin-pw-c0ffee';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const SECRETS = ['narrow-pw-4410', 'read-pw-7f3a9c', 'push-pw-2b8e41', 'admin-pw-c0ffee', 'refresh-for-reader-9d1e', READER, PUSHER, ADMIN];

async function expectAppError(p: Promise<unknown>, status: number): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    const e = toAppError(err, ['NOT_FOUND', 'x'], 'registry');
    assert.equal(e.status, status, `${e.code}: ${e.message}`);
    return true;
  });
}

describe(`delegate mode over ${registryLabel()} with token auth`, tools, () => {
  let tokens: TokenServer;
  let reg: Distribution;
  let signer: TestSigner;
  let rel: FixtureRelease;
  let t: AuthTestApp;
  const credentialOf = (token: string): Credential => {
    const { caller } = t.access.identify(new Request('https://x/', { headers: bearer(token) }));
    assert.ok(caller.credential);
    return caller.credential;
  };

  before(async () => {
    tokens = await startTokenServer({
      users: {
        reader: { password: 'read-pw-7f3a9c', grants: [{ prefix: '', actions: ['pull'] }] },
        pusher: { password: 'push-pw-2b8e41', grants: [{ prefix: '', actions: ['pull', 'push'] }] },
        admin: { password: 'admin-pw-c0ffee', grants: [{ prefix: '', actions: ['pull', 'push', 'delete'] }] },
        narrow: { password: 'narrow-pw-4410', grants: [{ prefix: REPO, actions: ['pull'] }] },
      },
      refreshTokens: { 'refresh-for-reader-9d1e': 'reader' },
    });
    reg = await startDistribution({
      auth: { kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certFile },
    });
    t = buildAuthApp(
      undefined,
      `[storage]\nkind = "registry"\nurl = "${reg.url}"\nplain_http = true\nprefix = "tf"\n[cache]\ntags_ttl = 0\n`,
    );
    signer = await createTestSigner();
    rel = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
    await pushRelease(asCredential(t.shared.store, credentialOf(ADMIN)), REPO, rel);
    await pushRelease(asCredential(t.shared.store, credentialOf(ADMIN)), SECRET_REPO, rel);
  });
  after(async () => {
    await signer?.cleanup();
    await reg?.stop();
    await tokens?.close();
  });

  it('refuses anonymous reads the way terraform expects: 401 with WWW-Authenticate: Bearer', async () => {
    for (const path of ['/v1/providers/acme/widget/versions', `/mirror/${HOST}/acme/widget/index.json`]) {
      const res = await t.app.request(path);
      assert.equal(res.status, 401, path);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="tf-oci-registry"');
    }
    // The store itself has no credential: it is anonymous upstream, never privileged.
    await expectAppError(t.shared.store.listTags(REPO), 401);
  });

  it('lets the reader list and download, the download URL working with NO Authorization header', async () => {
    for (const token of [READER, b64(READER)]) {
      const versions = await t.app.request('/v1/providers/acme/widget/versions', { headers: bearer(token) });
      assert.equal(versions.status, 200);
      assert.deepEqual(
        ((await versions.json()) as { versions: Array<{ version: string }> }).versions.map((v) => v.version),
        ['1.0.0'],
      );
      const mirror = await t.app.request(`/mirror/${HOST}/acme/widget/1.0.0.json`, { headers: bearer(token) });
      assert.equal(mirror.status, 200);
      const pkg = await t.app.request('/v1/providers/acme/widget/1.0.0/download/linux/amd64', { headers: bearer(token) });
      assert.equal(pkg.status, 200);
      const body = (await pkg.json()) as { download_url: string; shasums_url: string; shasum: string };
      const zip = await t.app.request(pathOf(body.download_url)); // terraform sends no token here (§4.4)
      assert.equal(zip.status, 200);
      assert.equal(
        createHash('sha256')
          .update(Buffer.from(await zip.arrayBuffer()))
          .digest('hex'),
        body.shasum,
      );
      assert.equal((await t.app.request(pathOf(body.shasums_url))).status, 200);
    }
  });

  it("signed URLs: bound to one blob, refused when tampered or expired, never beyond the caller's rights", async () => {
    const narrow = 'narrow:narrow-pw-4410';
    const pkg = await t.app.request('/v1/providers/acme/widget/1.0.0/download/linux/amd64', { headers: bearer(narrow) });
    assert.equal(pkg.status, 200);
    const body = (await pkg.json()) as { download_url: string; shasums_url: string; shasum: string; filename: string };
    const [, , zipTicket] = pathOf(body.download_url).split('/');
    const [, , sumsTicket] = pathOf(body.shasums_url).split('/');
    assert.ok(zipTicket && sumsTicket);
    const sha = async (res: Response) =>
      createHash('sha256')
        .update(Buffer.from(await res.arrayBuffer()))
        .digest('hex');

    // The ticket, not the file name, names the blob: another name still gets the same blob.
    const renamed = await t.app.request(`/download/${zipTicket}/terraform-provider-widget_1.0.0_SHA256SUMS`);
    assert.equal(renamed.status, 200);
    assert.equal(await sha(renamed), body.shasum);
    // Tampered (one character), spliced from two tickets, or truncated: 403.
    const flip = zipTicket[40] === 'A' ? 'B' : 'A';
    for (const bad of [
      zipTicket.slice(0, 40) + flip + zipTicket.slice(41),
      zipTicket.slice(0, 30) + sumsTicket.slice(30),
      zipTicket.slice(0, -4),
    ]) {
      const res = await t.app.request(`/download/${bad}/${body.filename}`);
      assert.equal(res.status, 403);
      assert.equal(((await res.json()) as { errors: Array<{ code: string }> }).errors[0]!.code, 'URL_INVALID');
    }
    // A ticket naming another repository with this caller's credential (as a forged or mis-issued one
    // would) is still fetched AS THE CALLER: the registry refuses, nothing leaks.
    const opened = t.shared.tokens.open<Record<string, unknown>>(zipTicket);
    assert.ok(opened.ok);
    const forged = t.shared.tokens.seal({ ...opened.payload, r: SECRET_REPO }, 60);
    assert.equal((await t.app.request(`/download/${forged}/x.zip`)).status, 403);
    const control = t.shared.tokens.seal({ ...opened.payload, r: SECRET_REPO, c: credentialOf(ADMIN) }, 60);
    const controlRes = await t.app.request(`/download/${control}/x.zip`);
    assert.equal(controlRes.status, 200, 'control: the blob is there for a caller who may read it');
    await controlRes.arrayBuffer();
    // Expired: 403 URL_EXPIRED.
    t.clock.now += (t.config.server.downloadUrlTtl + 1) * 1000;
    try {
      const res = await t.app.request(pathOf(body.download_url));
      assert.equal(res.status, 403);
      assert.equal(((await res.json()) as { errors: Array<{ code: string }> }).errors[0]!.code, 'URL_EXPIRED');
    } finally {
      t.clock.now = Date.now();
    }
  });

  it('refuses a wrong password with 401 + Bearer challenge', async () => {
    const res = await t.app.request('/v1/providers/acme/widget/versions', { headers: bearer('reader:wrong') });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="tf-oci-registry"');
  });

  it("the reader cannot publish (403 from the registry's insufficient_scope); the pusher can; delete needs delete", async () => {
    const asReader = asCredential(t.shared.store, credentialOf(READER));
    await expectAppError(asReader.pushBlob(REPO, Readable.from([Buffer.from('reader was here')])), 403);
    const index = await asReader.fetchManifest(REPO, '1.0.0');
    await expectAppError(asReader.pushManifest(REPO, '9.9.9', index.bytes, index.descriptor.mediaType), 403);

    const rel2 = await makeFixtureRelease({ type: 'widget', version: '2.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
    const asPusher = asCredential(t.shared.store, credentialOf(PUSHER));
    const pushed = await pushRelease(asPusher, REPO, rel2);
    const versions = await t.app.request('/v1/providers/acme/widget/versions', { headers: bearer(READER) });
    assert.deepEqual(((await versions.json()) as { versions: Array<{ version: string }> }).versions.map((v) => v.version).sort(), [
      '1.0.0',
      '2.0.0',
    ]);

    await expectAppError(asPusher.deleteManifest(REPO, pushed.digest), 403);
    await asCredential(t.shared.store, credentialOf(ADMIN)).deleteManifest(REPO, pushed.digest);
  });

  it("caches upstream tokens per caller: one exchange per caller, never one caller's token for another", async () => {
    // A fresh server (fresh token cache); tags_ttl = 0, so every listing goes upstream.
    const fresh = buildAuthApp(
      undefined,
      `[storage]\nkind = "registry"\nurl = "${reg.url}"\nplain_http = true\nprefix = "tf"\n[cache]\ntags_ttl = 0\n`,
    );
    tokens.requests.length = 0;
    const list = (token?: string) => fresh.app.request('/v1/providers/acme/widget/versions', { headers: bearer(token) });
    assert.equal((await list(READER)).status, 200);
    assert.equal((await list(READER)).status, 200);
    assert.equal((await list(b64(READER))).status, 200, 'same credential, other spelling: same cache entry');
    assert.equal((await list(PUSHER)).status, 200);
    assert.equal((await list(PUSHER)).status, 200);
    assert.equal((await list()).status, 401, "anonymous right after the reader: not served the reader's token");
    assert.equal((await list('pusher:wrong')).status, 401, "wrong password right after the pusher: not served the pusher's token");
    const byUser = (u: string | null) =>
      tokens.requests.filter((r) => r.user === u && r.granted.length > 0 && r.granted[0]!.actions.length > 0).length;
    assert.equal(byUser('reader'), 1, JSON.stringify(tokens.requests));
    assert.equal(byUser('pusher'), 1, JSON.stringify(tokens.requests));
    assert.ok(
      tokens.requests.some((r) => r.user === null),
      'anonymous asked the token server itself',
    );
    assert.ok(
      tokens.requests.some((r) => r.user === 'pusher' && r.granted.length === 0),
      'the wrong password was sent to the token server',
    );
  });

  it("never answers one caller from another caller's cached listings (caches keyed by principal)", async () => {
    const cached = buildAuthApp(
      undefined,
      `[storage]\nkind = "registry"\nurl = "${reg.url}"\nplain_http = true\nprefix = "tf"\n[cache]\ntags_ttl = 600\n`,
    );
    const get = (path: string, token?: string) => cached.app.request(path, { headers: bearer(token) });
    for (const path of [
      '/v1/providers/acme/widget/versions',
      '/v1/providers/acme/widget/1.0.0/download/linux/amd64',
      `/mirror/${HOST}/acme/widget/1.0.0.json`,
    ]) {
      assert.equal((await get(path, READER)).status, 200, path);
      assert.equal((await get(path)).status, 401, `${path} anonymous after the reader`);
      assert.equal((await get(path, 'reader:wrong')).status, 401, `${path} wrong password after the reader`);
    }
    assert.equal((await get('/v1/providers/hidden/widget/versions', ADMIN)).status, 200);
    assert.equal((await get('/v1/providers/hidden/widget/versions', 'narrow:narrow-pw-4410')).status, 403, 'narrow may not read hidden/*');
  });

  it('hands the token over as configured: registry access token, password of a user, OAuth2 refresh token', async () => {
    const cfg = (extra: string) =>
      buildAuthApp(undefined, `[storage]\nkind = "registry"\nurl = "${reg.url}"\nplain_http = true\nprefix = "tf"\n[auth]\n${extra}`);
    const list = (app: AuthTestApp, token: string) => app.app.request('/v1/providers/acme/widget/versions', { headers: bearer(token) });

    const access = cfg('delegate_token_as = "access_token"\n');
    const minted = tokens.mint('reader', [`repository:${REPO}:pull`]);
    tokens.requests.length = 0;
    assert.equal((await list(access, minted)).status, 200);
    assert.equal(tokens.requests.length, 0, 'used directly, no exchange');

    const password = cfg('delegate_token_as = "password"\ndelegate_username = "reader"\n');
    assert.equal((await list(password, 'read-pw-7f3a9c')).status, 200);
    assert.equal((await list(password, 'wrong-pw')).status, 401);

    const refresh = cfg('delegate_token_as = "refresh_token"\n');
    tokens.requests.length = 0;
    assert.equal((await list(refresh, 'refresh-for-reader-9d1e')).status, 200);
    assert.equal(tokens.requests[0]?.grantType, 'refresh_token');
    assert.equal((await list(refresh, 'not-a-refresh-token')).status, 401);
    for (const app of [access, password, refresh]) assertNoSecrets(app.logs(), [minted]);
  });

  it('never writes a token, password or their base64 to the logs', () => {
    const text = t.logs();
    assert.ok(text.includes('"msg":"request"') && text.includes('oci request'), 'access and upstream request lines were captured');
    assertNoSecrets(text, []);
  });
});

function assertNoSecrets(text: string, extra: string[]): void {
  for (const s of [...SECRETS, ...extra]) {
    for (const form of [s, b64(s), Buffer.from(s).toString('base64url'), encodeURIComponent(s)]) {
      assert.ok(!text.includes(form), `the logs contain a secret (${form.slice(0, 6)}…)`);
    }
  }
}
