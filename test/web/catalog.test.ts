// The catalog of the providers page (docs/web.md#catalog) against the real Distribution registry: its
// /v2/_catalog lists providers pushed by another tool in OpenTofu's layout (ORAS' recipe) and mirrored
// ones, each marked; a registry that refuses _catalog to the caller (htpasswd, no credential) gives a page
// that says the listing is partial instead of failing; a store that cannot list (memory) says so too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { makeZip } from '../publish/release-fixture.js';
import { requireTool, startDistribution, type Distribution } from '../support/distribution.js';
import { pushForeignRelease, type FixtureZip } from '../support/provider-fixture.js';
import { buildTestApp } from '../support/test-app.js';

async function zipFor(type: string, version: string): Promise<FixtureZip> {
  const bytes = await makeZip({ [`terraform-provider-${type}_v${version}`]: `#!/bin/sh\necho ${type}\n` });
  return {
    os: 'linux',
    arch: 'amd64',
    filename: `terraform-provider-${type}_${version}_linux_amd64.zip`,
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    h1: '',
  };
}

describe('web catalog over a real registry', requireTool('docker-registry', 'htpasswd', 'zip'), () => {
  let open: Distribution;
  let locked: Distribution;

  before(async () => {
    open = await startDistribution();
    locked = await startDistribution({ auth: { kind: 'htpasswd', users: { alice: 'secret' } } });
  });
  after(async () => {
    await open?.stop();
    await locked?.stop();
  });

  it('lists providers from _catalog: pushed by other tools and mirrored ones, marked', async () => {
    const store = createRegistryStore({ url: open.url, plainHttp: true });
    await pushForeignRelease(store, 'tf/providers/registry.example.test/acme/foreign', '0.3.0', [await zipFor('foreign', '0.3.0')]);
    await pushForeignRelease(store, 'tf/providers/registry.terraform.io/hashicorp/null', '3.2.1', [await zipFor('null', '3.2.1')]);
    await pushForeignRelease(store, 'elsewhere/not-a-provider', '1.0.0', [await zipFor('x', '1.0.0')]);
    assert.deepEqual(await store.listRepositories!('tf/providers'), [
      'tf/providers/registry.example.test/acme/foreign',
      'tf/providers/registry.terraform.io/hashicorp/null',
    ]);
    const { app } = buildTestApp(store);
    const res = await app.request('/ui/providers');
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /registry\.example\.test\/acme\/foreign<\/a>.*?other tool.*?0\.3\.0.*?linux_amd64/s);
    assert.match(html, /registry\.terraform\.io\/hashicorp\/null<\/a>.*?mirrored.*?3\.2\.1/s);
    assert.doesNotMatch(html, /not-a-provider/);
    const detail = await app.request('/ui/providers/registry.terraform.io/hashicorp/null');
    assert.equal(detail.status, 200);
    const page = await detail.text();
    assert.match(
      page,
      /network_mirror \{ url = &quot;https:\/\/registry\.example\.test\/mirror\/&quot; \}|network_mirror \{ url = "https:\/\/registry\.example\.test\/mirror\/" \}/,
    );
  });

  it('says the listing is partial when the registry refuses _catalog, and when the store cannot list', async () => {
    // The real refusal: _catalog without a credential on an htpasswd registry is a 401.
    const anonymous = createRegistryStore({ url: locked.url, plainHttp: true });
    await assert.rejects(anonymous.listRepositories!('tf/providers'), (err: Error) =>
      /401|unauthori[sz]ed|authentication/i.test(err.message),
    );
    // A registry that serves repositories but forbids _catalog (GHCR, Docker Hub): the same refusal, the
    // records still answer and the page says the listing is partial.
    const real = createRegistryStore({ url: open.url, plainHttp: true });
    const refusing = { ...real, listRepositories: anonymous.listRepositories!.bind(anonymous) };
    const { app } = buildTestApp(refusing);
    const res = await app.request('/ui/providers');
    assert.equal(res.status, 200);
    assert.match(await res.text(), /the store refused to list its repositories/);
    const memory = buildTestApp(createMemoryStore()).app;
    const res2 = await memory.request('/ui/providers');
    assert.equal(res2.status, 200);
    assert.match(await res2.text(), /this store cannot list its repositories/);
  });
});
