// Signed download URLs through the HTTP layer: secret rotation (server.secrets: the first signs, every
// one verifies), and the redirect guard that decides which registry redirects may be handed to clients.
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { providerRepository } from '../../src/layout/names.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { unsafeRedirectReason } from '../../src/downloads/redirect-guard.js';
import { requireTool } from '../support/distribution.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { makeFixtureRelease, pushRelease } from '../support/provider-fixture.js';
import { buildAuthApp, pathOf, type AuthTestApp } from './support.js';

const OLD = 'old-secret-0123456789abcdef';
const NEW = 'new-secret-0123456789abcdef';

describe('download URL secrets rotate: the first signs, all verify', requireTool('gpg', 'zip'), () => {
  const store = createMemoryStore();
  let signer: TestSigner;
  const app = (secrets: string[]) =>
    buildAuthApp(
      store,
      `[server]\npublic_url = "https://registry.example.test"\nsecrets = [${secrets.map((s) => `"${s}"`).join(', ')}]\n[storage]\nprefix = "tf"\n`,
    );
  const mint = async (a: AuthTestApp) => {
    const res = await a.app.request('/v1/providers/acme/widget/1.0.0/download/linux/amd64');
    assert.equal(res.status, 200);
    return pathOf(((await res.json()) as { download_url: string }).download_url);
  };
  const get = async (a: AuthTestApp, path: string) => {
    const res = await a.app.request(path);
    await res.arrayBuffer();
    return res.status;
  };

  before(async () => {
    signer = await createTestSigner();
    const rel = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
    await pushRelease(store, providerRepository('tf', 'registry.example.test', 'acme', 'widget'), rel);
  });
  after(async () => signer?.cleanup());

  it('keeps old URLs working while a new secret is added, and drops them when the old one is removed', async () => {
    const before = app([OLD]);
    const during = app([NEW, OLD]);
    const afterwards = app([NEW]);
    const oldUrl = await mint(before);
    const newUrl = await mint(during);
    assert.equal(await get(before, oldUrl), 200);
    assert.equal(await get(during, oldUrl), 200, 'old URL verified by the second secret');
    assert.equal(await get(during, newUrl), 200);
    assert.equal(await get(afterwards, newUrl), 200, 'new URLs were signed with the first secret');
    assert.equal(await get(afterwards, oldUrl), 403, 'old secret removed: old URLs refused');
    assert.equal(await get(before, newUrl), 403, 'a replica without the new secret refuses new URLs');
  });
});

describe('redirect guard', () => {
  const registry = 'https://registry.internal.test';
  it('passes on object-storage locations only', () => {
    assert.equal(
      unsafeRedirectReason('https://bucket.s3.amazonaws.com/docker/registry/v2/blobs/sha256/ab/abcd/data?X-Amz-Signature=1', registry, {
        username: 'u',
        password: 'hunter2-long',
      }),
      null,
    );
    assert.equal(unsafeRedirectReason('https://storage.googleapis.com/b/o?X-Goog-Signature=2', registry, undefined), null);
  });
  it('refuses the registry origin, userinfo, other schemes and embedded secrets (raw, encoded, base64)', () => {
    const cred = { username: 'alice', password: 'p@ss w/rd!' };
    assert.match(unsafeRedirectReason('https://registry.internal.test/v2/x/blobs/sha256:00', registry, cred) ?? '', /own origin/);
    assert.match(unsafeRedirectReason('https://u:p@bucket.example/x', registry, cred) ?? '', /userinfo/);
    assert.match(unsafeRedirectReason('ftp://bucket.example/x', registry, cred) ?? '', /scheme/);
    assert.match(unsafeRedirectReason('not a url', registry, cred) ?? '', /not a URL/);
    assert.match(unsafeRedirectReason(`https://b.example/x?t=${encodeURIComponent(cred.password)}`, registry, cred) ?? '', /credential/);
    assert.match(
      unsafeRedirectReason(`https://b.example/x?t=${Buffer.from('alice:p@ss w/rd!').toString('base64url')}`, registry, cred) ?? '',
      /credential/,
    );
    assert.match(unsafeRedirectReason('https://b.example/x?token=tok-123456', registry, { accessToken: 'tok-123456' }) ?? '', /credential/);
  });
});
