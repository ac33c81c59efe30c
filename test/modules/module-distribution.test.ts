// Modules against the REAL CNCF Distribution registry: two versions published through the API, one pushed
// in OpenTofu's layout with the OCI client alone (no API), all listed and downloadable through modules.v1;
// what lands in the registry is checked with plain HTTP against the registry, not through our client.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Agent } from 'undici';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import type { OciStore } from '../../src/oci/store.js';
import { moduleRepository } from '../../src/layout/names.js';
import { registryLabel, requireRegistry, startDistribution, type Distribution } from '../support/distribution.js';
import { pathOf } from '../support/test-app.js';
import { moduleFiles, tarGz, zipOf } from './support/archives.js';
import { pushForeignModule } from './support/foreign-module.js';
import { apiClient, buildModuleApp, type ModuleApp } from './support/module-app.js';

const tools = requireRegistry();
const REPO = moduleRepository('tf', 'registry.example.test', 'acme', 'network', 'aws');
const filesOf = (v: string) => Object.entries(moduleFiles(v)).map(([name, content]) => ({ name, content }));

describe(`modules on the real ${registryLabel()} registry`, { skip: tools.skip ?? false }, () => {
  let reg: Distribution;
  let store: OciStore;
  let m: ModuleApp;
  let api: ReturnType<typeof apiClient>;

  const registryJson = async (path: string) => {
    const res = await fetch(`${reg.url}/v2/${path}`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  before(async () => {
    reg = await startDistribution();
    store = createRegistryStore({ url: reg.url, plainHttp: true, dispatcher: new Agent({ keepAliveTimeout: 10_000 }), timeoutMs: 10_000 });
    m = buildModuleApp(store, { tagsTtlMs: 0 });
    api = apiClient(m.app);
  });
  after(() => reg?.stop());

  it('publishes two versions through the API (tar.gz and zip)', async () => {
    assert.equal((await api.createModule({ namespace: 'acme', name: 'network', system: 'aws', description: 'net' })).status, 201);
    const v1 = await api.upload('mod-acme.network.aws', '1.0.0', await tarGz(filesOf('1.0.0')));
    assert.equal(v1.status, 201, JSON.stringify(v1.body));
    const v2 = await api.upload('mod-acme.network.aws', '1.1.0', await zipOf(filesOf('1.1.0')));
    assert.equal(v2.status, 201, JSON.stringify(v2.body));
    const port = new URL(reg.url).port;
    assert.equal(v2.body.data.attributes['oci-address'], `oci://127.0.0.1:${port}/${REPO}?tag=1.1.0`);

    // What the registry holds is OpenTofu's module layout (docs/design/protocols.md §2), read without our client.
    const manifest = await registryJson(`${REPO}/manifests/1.1.0`);
    assert.equal(manifest.status, 200);
    assert.equal(manifest.body.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(manifest.body.artifactType, 'application/vnd.opentofu.modulepkg');
    assert.equal(manifest.body.config.mediaType, 'application/vnd.oci.empty.v1+json');
    assert.equal(manifest.body.layers.length, 1);
    assert.equal(manifest.body.layers[0].mediaType, 'archive/zip');
    assert.equal(manifest.body.layers[0].digest, `sha256:${v2.body.data.attributes.shasum}`);
    const blob = await fetch(`${reg.url}/v2/${REPO}/blobs/${manifest.body.layers[0].digest}`);
    assert.equal(
      createHash('sha256')
        .update(Buffer.from(await blob.arrayBuffer()))
        .digest('hex'),
      v2.body.data.attributes.shasum,
    );
  });

  it('lists and serves a version pushed in OpenTofu layout with the OCI client alone', async () => {
    await pushForeignModule(store, REPO, '0.5.0', await zipOf(filesOf('0.5.0')), 'network-0.5.0.zip');
    const list = await m.app.request('/v1/modules/acme/network/aws/versions');
    assert.equal(list.status, 200);
    assert.deepEqual(((await list.json()) as any).modules[0].versions, [{ version: '0.5.0' }, { version: '1.0.0' }, { version: '1.1.0' }]);
    for (const v of ['0.5.0', '1.0.0', '1.1.0']) {
      const res = await m.app.request(`/v1/modules/acme/network/aws/${v}/download`);
      assert.equal(res.status, 204, v);
      const location = res.headers.get('x-terraform-get')!;
      const hex = /checksum=sha256:([0-9a-f]{64})$/.exec(location)![1]!;
      const zip = await m.app.request(pathOf(location));
      assert.equal(zip.status, 200, v);
      assert.equal(
        createHash('sha256')
          .update(Buffer.from(await zip.arrayBuffer()))
          .digest('hex'),
        hex,
        v,
      );
    }
    const apiList = await api.json('GET', '/api/v1/modules/mod-acme.network.aws/versions');
    assert.deepEqual(
      apiList.body!.data.map((d: any) => [d.attributes.version, d.attributes.published]),
      [
        ['0.5.0', false],
        ['1.0.0', true],
        ['1.1.0', true],
      ],
    );
  });

  it('leaves no tag behind for a refused upload, refuses a duplicate (409)', async () => {
    const bad = await api.upload(
      'mod-acme.network.aws',
      '2.0.0',
      await tarGz([
        { name: 'main.tf', content: 'x' },
        { name: 'evil', type: 'symlink', linkname: '/etc/passwd' },
      ]),
    );
    assert.equal(bad.status, 422);
    const dup = await api.upload('mod-acme.network.aws', '1.0.0', await tarGz(filesOf('1.0.0')));
    assert.equal(dup.status, 409);
    const tags = await registryJson(`${REPO}/tags/list`);
    assert.deepEqual([...tags.body.tags].sort(), ['0.5.0', '1.0.0', '1.1.0']);
  });

  it('takes uploads from a real socket (streamed body), and answers 413 to an oversized one mid-stream', async () => {
    const server = serve({ fetch: m.app.fetch, hostname: '127.0.0.1', port: 0 });
    const small = buildModuleApp(store, { limits: { maxUploadBytes: 64 * 1024 } });
    const smallServer = serve({ fetch: small.app.fetch, hostname: '127.0.0.1', port: 0 });
    try {
      await Promise.all([once(server, 'listening'), once(smallServer, 'listening')]);
      const url = (s: typeof server, path: string) => `http://127.0.0.1:${(s.address() as AddressInfo).port}${path}`;
      const archive = await tarGz(filesOf('1.2.0'));
      const chunked = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(archive.subarray(0, 100));
          c.enqueue(archive.subarray(100));
          c.close();
        },
      });
      const res = await fetch(url(server, '/api/v1/modules/mod-acme.network.aws/versions/1.2.0'), {
        method: 'PUT',
        body: chunked,
        duplex: 'half',
      } as RequestInit);
      assert.equal(res.status, 201, await res.clone().text());
      assert.equal(((await res.json()) as any).data.attributes.version, '1.2.0');
      // No Content-Length, 1 MiB of body against a 64 KiB limit: the client still reads the 413.
      const big = Buffer.alloc(1024 * 1024, 7);
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < 16; i++) c.enqueue(big.subarray(i * 65536, (i + 1) * 65536));
          c.close();
        },
      });
      const refused = await fetch(url(smallServer, '/api/v1/modules/mod-acme.network.aws/versions/1.3.0'), {
        method: 'PUT',
        body: stream,
        duplex: 'half',
      } as RequestInit);
      assert.equal(refused.status, 413);
      assert.match(((await refused.json()) as any).errors[0].detail, /the upload is larger than the limit of 65536 bytes/);
    } finally {
      server.close();
      smallServer.close();
    }
  });

  it('deletes a version: gone from the registry and from modules.v1', async () => {
    assert.equal((await m.app.request('/api/v1/modules/mod-acme.network.aws/versions/1.0.0', { method: 'DELETE' })).status, 204);
    assert.deepEqual([...(await registryJson(`${REPO}/tags/list`)).body.tags].sort(), ['0.5.0', '1.1.0', '1.2.0']);
    assert.equal((await m.app.request('/v1/modules/acme/network/aws/1.0.0/download')).status, 404);
    const list = (await (await m.app.request('/v1/modules/acme/network/aws/versions')).json()) as any;
    assert.deepEqual(list.modules[0].versions, [{ version: '0.5.0' }, { version: '1.1.0' }, { version: '1.2.0' }]);
  });
});
