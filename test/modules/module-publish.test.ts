// The publishing API for modules over the in-memory store: create, publish from .tar.gz and .zip (repacked
// into one deterministic zip), read, list, update, delete; the stored artifact is OpenTofu's module layout.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore, type MemoryStore } from '../../src/oci/memory-store.js';
import { isOciError } from '../../src/oci/errors.js';
import { moduleRepository } from '../../src/layout/names.js';
import { parseModuleManifest } from '../../src/layout/module-manifest.js';
import type { Digest } from '../../src/oci/types.js';
import { moduleFiles, readZip, tarGz, zipOf } from './support/archives.js';
import { apiClient, buildModuleApp, type ModuleApp } from './support/module-app.js';

const REPO = moduleRepository('tf', 'registry.example.test', 'acme', 'vpc', 'aws');
const SCRIPT = '#!/bin/sh\necho hi\n';

async function blobBytes(store: MemoryStore, digest: string): Promise<Buffer> {
  const blob = await store.fetchBlob(REPO, digest as Digest);
  const chunks: Buffer[] = [];
  for await (const c of blob.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('module publishing API', () => {
  let store: MemoryStore;
  let m: ModuleApp;
  let api: ReturnType<typeof apiClient>;
  let tmp: string;
  const files = moduleFiles('1.0.0', { 'modules/sub/main.tf': 'output "x" { value = 1 }\n' });

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'tfoci-modules-'));
    store = createMemoryStore();
    m = buildModuleApp(store, { tmpDir: tmp });
    api = apiClient(m.app);
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  it('creates a module (201, Location, source address), refuses a duplicate (409) and bad names (422)', async () => {
    const res = await api.createModule({ namespace: 'Acme', name: 'vpc', system: 'aws', description: 'A VPC' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.headers.get('content-type'), 'application/vnd.api+json');
    assert.equal(res.headers.get('location'), 'https://registry.example.test/api/v1/modules/mod-acme.vpc.aws');
    assert.equal(res.body!.data.id, 'mod-acme.vpc.aws');
    assert.equal(res.body!.data.attributes.source, 'registry.example.test/acme/vpc/aws');
    assert.equal(res.body!.data.attributes['oci-repository'], REPO);
    const dup = await api.createModule({ namespace: 'acme', name: 'vpc', system: 'aws' });
    assert.equal(dup.status, 409);
    const bad = await api.createModule({ namespace: 'acme', name: 'vpc', system: 'AWS!' });
    assert.equal(bad.status, 422);
    assert.equal(bad.body!.errors[0].source.pointer, '/data/attributes/system');
    assert.match(bad.body!.errors[0].detail, /invalid module system "AWS!": lowercase letters and digits/);
    const wrongType = await api.json('POST', '/api/v1/modules', { data: { type: 'providers', attributes: {} } });
    assert.equal(wrongType.status, 409);
  });

  it('publishes a .tar.gz (wrapping directory, ./ names, exec bit) as one deterministic zip', async () => {
    const archive = await tarGz([
      { name: 'my-module/', type: 'directory' },
      ...Object.entries(files).map(([name, content]) => ({ name: `my-module/./${name}`, content })),
      { name: 'my-module/scripts/run.sh', content: SCRIPT, mode: 0o775 },
    ]);
    const res = await api.upload('mod-acme.vpc.aws', '1.0.0', archive);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const a = res.body.data.attributes;
    assert.equal(res.body.data.id, 'modver-acme.vpc.aws.1.0.0');
    assert.equal(a.version, '1.0.0');
    assert.equal(a.published, true);
    assert.equal(a.files, 4);
    assert.deepEqual(a.inputs, ['greeting']);
    assert.deepEqual(a.outputs, ['message', 'version']);
    assert.match(a.readme, /^# Test module 1\.0\.0/);

    // The tag is OpenTofu's module layout, and the layer is the zip the API reported.
    const { descriptor, bytes } = await store.fetchManifest(REPO, '1.0.0');
    assert.equal(descriptor.digest, a['manifest-digest']);
    const pkg = parseModuleManifest(bytes, descriptor.mediaType);
    assert.equal(pkg.shasumHex, a.shasum);
    assert.equal(pkg.filename, 'vpc-aws-1.0.0.zip');
    const zip = await blobBytes(store, pkg.layer.digest);
    assert.equal(createHash('sha256').update(zip).digest('hex'), a.shasum);
    const entries = await readZip(zip);
    assert.deepEqual(
      entries.map((e) => e.name),
      ['README.md', 'main.tf', 'modules/sub/main.tf', 'scripts/run.sh'],
    );
    assert.deepEqual(
      entries.map((e) => e.mode.toString(8)),
      ['100644', '100644', '100644', '100755'],
    );
    assert.ok(
      entries.every((e) => e.dosDate === ((0 << 9) | (1 << 5) | 1) && e.dosTime === 0),
      'fixed timestamp 1980-01-01 00:00',
    );
    assert.equal(entries.find((e) => e.name === 'main.tf')!.content.toString(), files['main.tf']);
    assert.deepEqual(await readdir(tmp), [], 'temp files removed');
  });

  it('repacks a .zip of the same files (other order, times, modes) into the same bytes', async () => {
    const archive = await zipOf([
      { name: 'scripts/run.sh', content: SCRIPT, mode: 0o100700 },
      { name: 'modules/' },
      ...Object.entries(files)
        .reverse()
        .map(([name, content]) => ({ name, content, mode: 0o100600 })),
    ]);
    const res = await api.upload('mod-acme.vpc.aws', '1.0.1', archive);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const first = (await api.json('GET', '/api/v1/modules/mod-acme.vpc.aws/versions/1.0.0')).body!.data.attributes;
    assert.equal(res.body.data.attributes.shasum, first.shasum, 'identical zip');
    assert.notEqual(res.body.data.attributes['manifest-digest'], first['manifest-digest'], 'the manifest names its version');
  });

  it('lists versions oldest first and reads one (README, inputs, outputs)', async () => {
    assert.equal(
      (await api.upload('mod-acme.vpc.aws', '1.0.0-rc.1', await zipOf([{ name: 'main.tf', content: 'output "a" { value = 1 }\n' }])))
        .status,
      201,
    );
    const list = await api.json('GET', '/api/v1/modules/mod-acme.vpc.aws/versions');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body!.data.map((d: any) => d.attributes.version),
      ['1.0.0-rc.1', '1.0.0', '1.0.1'],
    );
    const one = await api.json('GET', '/api/v1/modules/mod-acme.vpc.aws/versions/1.0.0-rc.1');
    assert.equal(one.body!.data.attributes.readme, null);
    assert.deepEqual(one.body!.data.attributes.outputs, ['a']);
    assert.equal((await api.json('GET', '/api/v1/modules/mod-acme.vpc.aws/versions/9.9.9')).status, 404);
  });

  it('lists modules (namespace filter) and changes only the description', async () => {
    assert.equal((await api.createModule({ namespace: 'other', name: 'dns', system: 'gcp' })).status, 201);
    const all = await api.json('GET', '/api/v1/modules');
    assert.deepEqual(
      all.body!.data.map((d: any) => d.id),
      ['mod-acme.vpc.aws', 'mod-other.dns.gcp'],
    );
    const acme = await api.json('GET', '/api/v1/modules?filter[namespace]=acme');
    assert.deepEqual(
      acme.body!.data.map((d: any) => d.id),
      ['mod-acme.vpc.aws'],
    );
    const patched = await api.json('PATCH', '/api/v1/modules/mod-acme.vpc.aws', {
      data: { type: 'modules', attributes: { description: 'new' } },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body!.data.attributes.description, 'new');
    const rename = await api.json('PATCH', '/api/v1/modules/mod-acme.vpc.aws', { data: { type: 'modules', attributes: { name: 'x' } } });
    assert.equal(rename.status, 422);
    assert.match(rename.body!.errors[0].detail, /cannot be changed/);
  });

  it('deletes a version (gone from the API and the repository), then the module (409 until cascade)', async () => {
    const del = await m.app.request('/api/v1/modules/mod-acme.vpc.aws/versions/1.0.1', { method: 'DELETE' });
    assert.equal(del.status, 204);
    assert.equal((await m.app.request('/api/v1/modules/mod-acme.vpc.aws/versions/1.0.1', { method: 'DELETE' })).status, 404);
    assert.deepEqual((await store.listTags(REPO)).sort(), ['1.0.0', '1.0.0-rc.1']);
    const refused = await api.json('DELETE', '/api/v1/modules/mod-acme.vpc.aws');
    assert.equal(refused.status, 409);
    assert.match(
      refused.body!.errors[0].detail,
      /still has 2 version\(s\) \(1\.0\.0-rc\.1, 1\.0\.0\); delete them first or pass \?cascade=true/,
    );
    assert.equal((await m.app.request('/api/v1/modules/mod-acme.vpc.aws?cascade=true', { method: 'DELETE' })).status, 204);
    assert.equal((await api.json('GET', '/api/v1/modules/mod-acme.vpc.aws')).status, 404);
    assert.deepEqual(await store.listTags(REPO).catch((err: unknown) => (isOciError(err, 'NOT_FOUND') ? [] : Promise.reject(err))), []);
    // The records went too: the module can be created again from scratch.
    assert.equal((await api.createModule({ namespace: 'acme', name: 'vpc', system: 'aws' })).status, 201);
    assert.deepEqual((await api.json('GET', '/api/v1/modules/mod-acme.vpc.aws/versions')).body!.data, []);
  });
});
