// The read-path suite over the real CNCF Distribution registry (Debian docker-registry on loopback),
// plus what only a real registry can show: content corrupted in the registry's storage is refused, and
// a registry that goes down gives a clear 502 instead of a hang.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { Agent } from 'undici';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { providerRepository } from '../../src/layout/names.js';
import { readPathSuite } from './read-path-suite.js';
import { firstSkip, registryLabel, requireRegistry, requireTool, startDistribution, type Distribution } from '../support/distribution.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { makeFixtureRelease, pushRelease } from '../support/provider-fixture.js';
import { buildTestApp } from '../support/test-app.js';

const tools = firstSkip(requireRegistry(), requireTool('gpg', 'zip'));

function registryStore(url: string) {
  return createRegistryStore({
    url,
    plainHttp: true,
    dispatcher: new Agent({ keepAliveTimeout: 10_000 }),
    timeoutMs: 5000,
    retries: 1,
    backoffMs: 20,
  });
}

let shared: Distribution | undefined;
readPathSuite(
  `the real ${registryLabel()} registry`,
  async () => {
    shared = await startDistribution();
    return { store: registryStore(shared.url), cleanup: () => shared!.stop() };
  },
  tools.skip ?? false,
);

describe('read path: registry failures', { skip: tools.skip ?? false }, () => {
  let reg: Distribution;
  let signer: TestSigner;
  const repo = providerRepository('tf', 'registry.example.test', 'acme', 'fragile');

  before(async () => {
    reg = await startDistribution();
    signer = await createTestSigner();
    const rel = await makeFixtureRelease({ type: 'fragile', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
    await pushRelease(registryStore(reg.url), repo, rel);
    const rel2 = await makeFixtureRelease({ type: 'fragile', version: '2.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
    await pushRelease(registryStore(reg.url), repo, rel2);
  });
  after(async () => {
    await signer?.cleanup();
    await reg?.stop();
  });

  it('refuses a manifest whose bytes no longer match their digest (502, named)', requireRegistry(['manifest-files']), async () => {
    const store = registryStore(reg.url);
    const { descriptor } = await store.fetchManifest(repo, '2.0.0');
    const hex = descriptor.digest.slice('sha256:'.length);
    const file = reg.blobFile(hex);
    const original = await readFile(file);
    await writeFile(file, Buffer.from(original.toString('utf8').replace('"schemaVersion":2', '"schemaVersion": 2')));
    try {
      const { app } = buildTestApp(store);
      const res = await app.request('/v1/providers/acme/fragile/2.0.0/download/linux/amd64');
      assert.equal(res.status, 502);
      const body = (await res.json()) as { errors: Array<{ detail: string }> };
      assert.match(body.errors[0]!.detail, /bad content|digest/i);
    } finally {
      await writeFile(file, original);
    }
  });

  it('answers 502 with a clear message when the registry is down, and recovers when it is back', requireRegistry(['restart']), async () => {
    const store = registryStore(reg.url);
    const { app } = buildTestApp(store, { tagsTtlMs: 0 });
    assert.equal((await app.request('/v1/providers/acme/fragile/versions')).status, 200);
    await reg.kill();
    try {
      const started = Date.now();
      const res = await app.request('/v1/providers/acme/fragile/versions');
      assert.equal(res.status, 502);
      const body = (await res.json()) as { errors: Array<{ detail: string }> };
      assert.match(body.errors[0]!.detail, /OCI registry at .* is unavailable/);
      assert.ok(Date.now() - started < 10_000, 'fails fast, no hang');
      assert.equal((await app.request('/readyz')).status, 503);
    } finally {
      await reg.restart();
    }
    assert.equal((await app.request('/v1/providers/acme/fragile/versions')).status, 200);
    assert.equal((await app.request('/readyz')).status, 200);
  });

  it('a download whose blob vanished from the registry is a 404 naming the digest', async () => {
    const store = registryStore(reg.url);
    const { app } = buildTestApp(store);
    const meta = (await (await app.request('/v1/providers/acme/fragile/1.0.0/download/linux/amd64')).json()) as {
      download_url: string;
      shasum: string;
    };
    await store.deleteBlob(repo, `sha256:${meta.shasum}` as never);
    const u = new URL(meta.download_url);
    const res = await app.request(u.pathname);
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as { errors: Array<{ detail: string }> }).errors[0]!.detail, new RegExp(meta.shasum));
  });
});
