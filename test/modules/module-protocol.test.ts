// modules.v1 (docs/design/protocols.md §6) over the in-memory store: versions from the semver tags that hold a module
// package (published through the API or pushed by another tool), and the 204 + X-Terraform-Get download
// answer whose signed URL streams exactly the stored zip.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createMemoryStore, type MemoryStore } from '../../src/oci/memory-store.js';
import { moduleRepository } from '../../src/layout/names.js';
import { pathOf } from '../support/test-app.js';
import { moduleFiles, zipOf } from './support/archives.js';
import { pushForeignModule, pushNotAModule } from './support/foreign-module.js';
import { apiClient, buildModuleApp, type ModuleApp } from './support/module-app.js';

const REPO = moduleRepository('tf', 'registry.example.test', 'acme', 'vpc', 'aws');
const zipFor = (version: string) => zipOf(Object.entries(moduleFiles(version)).map(([name, content]) => ({ name, content })));

describe('modules.v1', () => {
  let store: MemoryStore;
  let m: ModuleApp;

  before(async () => {
    store = createMemoryStore();
    m = buildModuleApp(store);
    const api = apiClient(m.app);
    assert.equal((await api.createModule({ namespace: 'acme', name: 'vpc', system: 'aws' })).status, 201);
    for (const v of ['1.1.0', '1.0.0', '2.0.0-beta.1', '1.0.0+build.5']) {
      const res = await api.upload('mod-acme.vpc.aws', v, await zipFor(v));
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    await pushForeignModule(store, REPO, '0.9.0', await zipFor('0.9.0'), 'oras-pushed.zip');
    await pushNotAModule(store, REPO, '3.0.0');
    await pushForeignModule(store, REPO, '0.1.0', await zipFor('latest'));
    await store.pushManifest(
      REPO,
      'latest',
      (await store.fetchManifest(REPO, '0.1.0')).bytes,
      'application/vnd.oci.image.manifest.v1+json',
    );
  });

  it('lists the versions holding a module package, oldest first (other tags and non-modules left out)', async () => {
    const res = await m.app.request('/v1/modules/acme/vpc/aws/versions');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(await res.json(), {
      modules: [
        {
          source: 'registry.example.test/acme/vpc/aws',
          versions: ['0.1.0', '0.9.0', '1.0.0', '1.0.0+build.5', '1.1.0', '2.0.0-beta.1'].map((version) => ({ version })),
        },
      ],
    });
    assert.ok(
      m.logLines.some((l) => l.includes('not OpenTofu module packages') && l.includes('3.0.0')),
      'the hidden tag is logged',
    );
  });

  it('answers a warm listing from the cache (no store call)', async () => {
    await m.app.request('/v1/modules/acme/vpc/aws/versions');
    store.resetCalls();
    assert.equal((await m.app.request('/v1/modules/acme/vpc/aws/versions')).status, 200);
    assert.equal(
      Object.values(store.calls).reduce((a, b) => a + b, 0),
      0,
    );
  });

  it('answers a download with 204 + X-Terraform-Get: an absolute signed URL with archive and checksum', async () => {
    const res = await m.app.request('/v1/modules/acme/vpc/aws/1.1.0/download');
    assert.equal(res.status, 204);
    assert.equal(await res.text(), '');
    const location = res.headers.get('x-terraform-get')!;
    const { bytes } = await store.fetchManifest(REPO, '1.1.0');
    const layer = JSON.parse(bytes.toString()).layers[0] as { digest: string; size: number };
    const hex = layer.digest.slice('sha256:'.length);
    assert.match(
      location,
      new RegExp(
        `^https://registry\\.example\\.test/download/[A-Za-z0-9_-]+/vpc-aws-1\\.1\\.0\\.zip\\?archive=zip&checksum=sha256:${hex}$`,
      ),
    );
    // The download route ignores the query go-getter would have stripped anyway.
    const zip = await m.app.request(pathOf(location));
    assert.equal(zip.status, 200);
    assert.equal(zip.headers.get('content-type'), 'application/zip');
    const body = Buffer.from(await zip.arrayBuffer());
    assert.equal(body.length, layer.size);
    assert.equal(createHash('sha256').update(body).digest('hex'), hex);
    const head = await m.app.request(pathOf(location), { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(layer.size));
  });

  it('serves a version pushed by another tool (its layer title as the file name) and build metadata versions', async () => {
    const foreign = await m.app.request('/v1/modules/acme/vpc/aws/0.9.0/download');
    assert.equal(foreign.status, 204);
    assert.match(foreign.headers.get('x-terraform-get')!, /\/oras-pushed\.zip\?archive=zip&checksum=sha256:[0-9a-f]{64}$/);
    const build = await m.app.request('/v1/modules/acme/vpc/aws/1.0.0+build.5/download');
    assert.equal(build.status, 204);
    assert.match(build.headers.get('x-terraform-get')!, /\/vpc-aws-1\.0\.0_build\.5\.zip\?/);
  });

  it('answers 404 for unknown modules, unknown or malformed versions, and tags that hold no module', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/v1/modules/acme/nope/aws/versions', /module registry\.example\.test\/acme\/nope\/aws does not exist/],
      ['/v1/modules/acme/vpc/AWS/versions', /invalid module system "AWS"/],
      ['/v1/modules/acme/vpc/aws/9.9.9/download', /has no version 9\.9\.9/],
      ['/v1/modules/acme/vpc/aws/v1.1.0/download', /"v1\.1\.0" is not a canonical semantic version/],
      ['/v1/modules/acme/vpc/aws/3.0.0/download', /3\.0\.0 is not an OpenTofu module package/],
    ];
    for (const [path, detail] of cases) {
      const res = await m.app.request(path);
      assert.equal(res.status, 404, path);
      const body = (await res.json()) as { errors: Array<{ detail: string }> };
      assert.match(body.errors[0]!.detail, detail, path);
    }
  });
});
