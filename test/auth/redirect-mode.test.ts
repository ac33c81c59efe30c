// server.download_mode = "redirect" end to end: the real Distribution behind a front that redirects blob
// GETs to fake object storage (redirect-front.ts). The client gets 307 to the object-storage URL (and
// following it yields the right bytes); a Location on the registry's own origin, with userinfo, or
// containing the caller's secret is NOT passed on (the blob is streamed instead); proxy mode always
// streams; a registry that serves blobs itself is streamed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Agent } from 'undici';
import { providerRepository } from '../../src/layout/names.js';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { DOCKER_REGISTRY_BIN, requireTool, startDistribution, type Distribution } from '../support/distribution.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { makeFixtureRelease, pushRelease, type FixtureRelease } from '../support/provider-fixture.js';
import { startRedirectFront, type RedirectFront } from './redirect-front.js';
import { bearer, buildAuthApp, pathOf, type AuthTestApp } from './support.js';

const tools = requireTool(DOCKER_REGISTRY_BIN, 'gpg', 'zip');
const HOST = 'registry.example.test';
const CALLER = 'alice:alice-secret-pw-8812';

describe('download_mode = "redirect"', tools, () => {
  let reg: Distribution;
  let front: RedirectFront;
  let signer: TestSigner;
  let rel: FixtureRelease;
  let redirect: AuthTestApp;
  let proxy: AuthTestApp;
  const sha = (b: ArrayBuffer) => createHash('sha256').update(Buffer.from(b)).digest('hex');

  before(async () => {
    reg = await startDistribution();
    front = await startRedirectFront(reg.url);
    signer = await createTestSigner();
    rel = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
    await pushRelease(
      createRegistryStore({ url: reg.url, plainHttp: true, dispatcher: new Agent() }),
      providerRepository('tf', HOST, 'acme', 'widget'),
      rel,
    );
    const toml = (mode: string) =>
      `[server]\npublic_url = "https://${HOST}"\nsecrets = ["redirect-test-secret-0123456789"]\ndownload_mode = "${mode}"\n` +
      `[storage]\nkind = "registry"\nurl = "${front.url}"\nplain_http = true\nprefix = "tf"\n`;
    redirect = buildAuthApp(undefined, toml('redirect'));
    proxy = buildAuthApp(undefined, toml('proxy'));
  });
  after(async () => {
    await signer?.cleanup();
    await front?.close();
    await reg?.stop();
  });

  async function downloadUrl(app: AuthTestApp): Promise<{ url: string; shasum: string }> {
    const res = await app.app.request('/v1/providers/acme/widget/1.0.0/download/linux/amd64', { headers: bearer(CALLER) });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { download_url: string; shasum: string };
    return { url: pathOf(body.download_url), shasum: body.shasum };
  }

  it('answers 307 to the object-storage location, which serves the exact bytes', async () => {
    front.mode = 'object-storage';
    const { url, shasum } = await downloadUrl(redirect);
    const res = await redirect.app.request(url);
    assert.equal(res.status, 307);
    const location = res.headers.get('location') ?? '';
    assert.ok(location.startsWith(`${front.storageUrl}/bucket/`), location);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const hits = front.storageHits;
    const fetched = await fetch(location);
    assert.equal(fetched.status, 200);
    assert.equal(sha(await fetched.arrayBuffer()), shasum);
    assert.equal(front.storageHits, hits + 1);
    // HEAD still answers from the ticket.
    assert.equal((await redirect.app.request(url, { method: 'HEAD' })).status, 200);
  });

  for (const [mode, why] of [
    ['same-origin', "a Location on the registry's own origin"],
    ['userinfo', 'a Location with userinfo'],
    ['leaks-secret', "a Location containing the caller's secret"],
    ['stream', 'a registry that serves the blob itself'],
  ] as const) {
    it(`streams instead of redirecting for ${why}`, async () => {
      front.mode = mode;
      front.secret = 'alice-secret-pw-8812';
      const { url, shasum } = await downloadUrl(redirect);
      const res = await redirect.app.request(url);
      assert.equal(res.status, 200, `${mode}: ${res.status} ${res.headers.get('location') ?? ''}`);
      assert.equal(res.headers.get('location'), null);
      assert.equal(sha(await res.arrayBuffer()), shasum);
    });
  }

  it('proxy mode never redirects', async () => {
    front.mode = 'object-storage';
    const { url, shasum } = await downloadUrl(proxy);
    const res = await proxy.app.request(url);
    assert.equal(res.status, 200);
    assert.equal(sha(await res.arrayBuffer()), shasum);
  });

  it("logs neither the object-storage signature nor the caller's secret", () => {
    for (const app of [redirect, proxy]) {
      const text = app.logs();
      assert.ok(!text.includes('fake-presigned-0001'), 'presigned location logged');
      assert.ok(!text.includes('alice-secret-pw-8812'), 'caller secret logged');
    }
  });
});
