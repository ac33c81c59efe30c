// The publishing API against the REAL CNCF Distribution registry with REAL GnuPG keys and REAL zips:
// the real test provider built and named the GoReleaser way, signed by a signing subkey, published
// with one create call and one streamed upload through a real HTTP server, then served on providers.v1
// and the network mirror; a restart between create and upload; concurrent uploads; drafts; deletes;
// and every refused upload of test/publish/bad-releases.ts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { serve, type ServerType } from '@hono/node-server';
import { Agent, request } from 'undici';
import { providerRepository } from '../../src/layout/names.js';
import type { OciStore } from '../../src/oci/store.js';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { firstSkip, registryLabel, requireRegistry, requireTool, startDistribution, type Distribution } from '../support/distribution.js';
import { createGpgHome, type GpgHome, type TestKey } from '../support/gpg.js';
import { buildTestProvider, hostPlatform, PROVIDER_TYPE, type ProviderRelease } from '../support/provider-build.js';
import { BAD_RELEASES, runBadCase, type Signers } from './bad-releases.js';
import { assertDetail, details, publishHarness, type Harness } from './harness.js';
import { buildRelease, entriesOf, sha256Hex, tarGz } from './release-fixture.js';

const tools = firstSkip(requireRegistry(), requireTool('gpg', 'zip', 'go', 'curl'));
const run = promisify(execFile);
const HOST = 'registry.example.test';

function registryStore(url: string): OciStore {
  return createRegistryStore({
    url,
    plainHttp: true,
    dispatcher: new Agent({ keepAliveTimeout: 10_000 }),
    timeoutMs: 10_000,
    retries: 1,
    backoffMs: 20,
  });
}

/** Serves a harness app on 127.0.0.1 (so uploads take the real IncomingMessage streaming path). */
async function listen(h: Harness): Promise<{ origin: string; close(): Promise<void> }> {
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: h.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** PUTs a file to the harness server, streamed from disk (curl -T style, no Content-Type). */
async function putFile(origin: string, uploadUrl: string, path: string): Promise<{ status: number; body: any }> {
  const u = new URL(uploadUrl);
  const res = await request(`${origin}${u.pathname}`, {
    method: 'PUT',
    body: createReadStream(path),
    headers: { 'content-length': String((await stat(path)).size) },
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : null };
}

describe(`publishing API on the real ${registryLabel()} registry`, { skip: tools.skip ?? false }, () => {
  let reg: Distribution;
  let gpg: GpgHome;
  let subkey: TestKey;
  let rsa: TestKey;
  let other: TestKey;
  let work: string;

  before(async () => {
    reg = await startDistribution();
    gpg = await createGpgHome();
    [subkey, rsa, other] = [
      await gpg.generateKey('subkey', 'sub@example.test'),
      await gpg.generateKey('rsa3072', 'rsa@example.test'),
      await gpg.generateKey('ed25519', 'other@example.test'),
    ];
    work = await mkdtemp(join(tmpdir(), 'tfoci-publish-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
    await gpg?.close();
    await reg?.stop();
  });

  const harness = (): Harness => publishHarness(registryStore(reg.url), { publicUrl: `https://${HOST}/` });

  describe('a GoReleaser release of the real provider, signed by a subkey', () => {
    let h: Harness;
    let release: ProviderRelease;
    const pushes: string[] = [];
    const VERSION = '0.4.0';

    before(async () => {
      release = await buildTestProvider({
        version: VERSION,
        platforms: [hostPlatform(), { os: 'windows', arch: 'amd64' }],
        outDir: join(work, 'goreleaser'),
        tarball: true,
        sign: async (shasumsPath) => {
          await writeFile(`${shasumsPath}.sig`, await gpg.detachSign(subkey, await readFile(shasumsPath)));
          return `${shasumsPath}.sig`;
        },
      });
      // Records every manifest push in order, to check that the version tag is pushed last.
      const inner = registryStore(reg.url);
      const recording: OciStore = Object.create(inner) as OciStore;
      recording.pushManifest = (repo, ref, bytes, type, opts) => {
        pushes.push(`${repo}@${ref}`);
        return inner.pushManifest(repo, ref, bytes, type, opts);
      };
      h = publishHarness(recording, { publicUrl: `https://${HOST}/` });
    });

    it('publishes with one create call and one streamed upload, tag pushed last', async () => {
      const keyId = await h.api.createKey('acme', 'ci signing key', await gpg.exportPublicKey(subkey));
      const providerId = await h.api.createProvider('acme', PROVIDER_TYPE);
      const created = await h.api.createVersion(providerId, keyId, VERSION);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const server = await listen(h);
      try {
        pushes.length = 0;
        const up = await putFile(server.origin, created.body.data.links.upload, release.tarballPath!);
        assert.equal(up.status, 200, JSON.stringify(up.body));
        assert.equal(up.body.data.attributes.status, 'uploaded');
        assert.deepEqual(up.body.data.attributes.protocols, ['6.0'], "protocol versions from GoReleaser's _manifest.json");
        assert.equal(up.body.data.attributes.shasums, release.shasums);
      } finally {
        await server.close();
      }
      const repo = providerRepository('tf', HOST, 'acme', PROVIDER_TYPE);
      const providerPushes = pushes.filter((p) => p.startsWith(`${repo}@`));
      assert.equal(providerPushes.at(-1), `${repo}@${VERSION}`, `the version tag is the last push: ${providerPushes.join(', ')}`);
      assert.ok(
        providerPushes.slice(0, -1).every((p) => p.includes('@sha256:')),
        'everything before the tag is pushed by digest',
      );
    });

    it('is served on providers.v1 right after (zip, SHA256SUMS, binary signature, key)', async () => {
      const versions = (await (await h.app.request(`/v1/providers/acme/${PROVIDER_TYPE}/versions`)).json()) as {
        versions: Array<{ version: string; protocols: string[] }>;
      };
      assert.deepEqual(
        versions.versions.map((v) => [v.version, v.protocols]),
        [[VERSION, ['6.0']]],
      );
      for (const pkg of release.packages) {
        const res = await h.app.request(`/v1/providers/acme/${PROVIDER_TYPE}/${VERSION}/download/${pkg.os}/${pkg.arch}`);
        assert.equal(res.status, 200);
        const meta = (await res.json()) as Record<string, any>;
        assert.equal(meta.filename, pkg.filename);
        assert.equal(meta.shasum, pkg.sha256);
        assert.equal(meta.signing_keys.gpg_public_keys[0].key_id, subkey.keyId);
        const zip = Buffer.from(await (await h.app.request(new URL(meta.download_url).pathname)).arrayBuffer());
        assert.equal(sha256Hex(zip), pkg.sha256);
        const sums = await (await h.app.request(new URL(meta.shasums_url).pathname)).text();
        assert.equal(sums, release.shasums);
        const sig = Buffer.from(await (await h.app.request(new URL(meta.shasums_signature_url).pathname)).arrayBuffer());
        assert.deepEqual(sig, await readFile(release.signaturePath!));
      }
    });

    it('is served on the network mirror with the h1 hashes terraform records', async () => {
      const index = await (await h.app.request(`/mirror/${HOST}/acme/${PROVIDER_TYPE}/index.json`)).json();
      assert.deepEqual(index, { versions: { [VERSION]: {} } });
      const v = (await (await h.app.request(`/mirror/${HOST}/acme/${PROVIDER_TYPE}/${VERSION}.json`)).json()) as {
        archives: Record<string, { hashes: string[] }>;
      };
      for (const pkg of release.packages) {
        assert.deepEqual(v.archives[`${pkg.os}_${pkg.arch}`]!.hashes, [pkg.zh, pkg.h1]);
      }
    });

    it('lists the version with platforms and counts it on the key', async () => {
      const list = await h.api.get(`/api/v1/provider-versions?filter[provider]=prv-acme.${PROVIDER_TYPE}`);
      assert.equal(list.body.data.length, 1);
      assert.deepEqual(
        list.body.data[0].attributes.platforms.map((p: { os: string; arch: string; h1: string }) => [p.os, p.arch, p.h1]).sort(),
        release.packages.map((p) => [p.os, p.arch, p.h1]).sort(),
      );
      const keys = await h.api.get('/api/v1/gpg-keys?filter[namespace]=acme');
      assert.equal(keys.body.data[0].attributes['versions-count'], 1);
      const refused = await h.api.delete(`/api/v1/gpg-keys/${keys.body.data[0].id}`);
      assert.equal(refused.status, 409);
      assertDetail(refused, /still used by 1 provider version/);
    });
  });

  it('accepts an RSA key and an upload after a restart (new app, new store client)', async () => {
    const first = harness();
    const keyId = await first.api.createKey('restart', 'rsa', await gpg.exportPublicKey(rsa));
    const providerId = await first.api.createProvider('restart', 'widget');
    const created = await first.api.createVersion(providerId, keyId, '1.0.0');
    const second = harness();
    const release = await buildRelease({
      type: 'widget',
      version: '1.0.0',
      platforms: [{ os: 'linux', arch: 'arm64' }],
      sign: (d) => gpg.detachSign(rsa, d),
    });
    const up = await second.api.put(created.body.data.links.upload, await tarGz(entriesOf(release)));
    assert.equal(up.status, 200, JSON.stringify(up.body));
    const versions = (await (await second.app.request('/v1/providers/restart/widget/versions')).json()) as { versions: unknown[] };
    assert.equal(versions.versions.length, 1);
  });

  it('lets one of two concurrent uploads of a version win; the other gets 409', async () => {
    const h = harness();
    const keyId = await h.api.createKey('race', 'k', await gpg.exportPublicKey(rsa));
    const providerId = await h.api.createProvider('race', 'widget');
    const created = await h.api.createVersion(providerId, keyId, '1.0.0');
    const release = await buildRelease({
      type: 'widget',
      version: '1.0.0',
      platforms: [{ os: 'linux', arch: 'amd64' }],
      sign: (d) => gpg.detachSign(rsa, d),
    });
    const path = join(work, 'race.tar.gz');
    await writeFile(path, await tarGz(entriesOf(release)));
    const server = await listen(h);
    try {
      const results = await Promise.all([
        putFile(server.origin, created.body.data.links.upload, path),
        putFile(server.origin, created.body.data.links.upload, path),
      ]);
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 409], JSON.stringify(results.map((r) => r.body)));
    } finally {
      await server.close();
    }
  });

  it('refuses an over-limit upload through the real server; curl reads the 413 (Content-Length and chunked)', async () => {
    const h = publishHarness(registryStore(reg.url), { publicUrl: `https://${HOST}/`, limits: { maxCompressedBytes: 1024 * 1024 } });
    const keyId = await h.api.createKey('limits', 'k', await gpg.exportPublicKey(rsa));
    const providerId = await h.api.createProvider('limits', 'widget');
    const zipName = 'terraform-provider-widget_1.0.0_linux_amd64.zip';
    const path = join(work, 'big.tar.gz');
    await writeFile(path, await tarGz([{ name: zipName, content: randomBytes(8 * 1024 * 1024) }]));
    const server = await listen(h);
    try {
      for (const [version, extra] of [
        ['1.0.0', []],
        ['1.0.1', ['-H', 'Transfer-Encoding: chunked']],
      ] as const) {
        const created = await h.api.createVersion(providerId, keyId, version);
        const url = `${server.origin}${new URL(created.body.data.links.upload).pathname}`;
        const { stdout } = await run('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', '-T', path, ...extra, url]);
        const [body, code] = [stdout.slice(0, stdout.lastIndexOf('\n')), stdout.slice(stdout.lastIndexOf('\n') + 1)];
        assert.equal(code, '413', stdout);
        assert.match(
          JSON.parse(body).errors[0].detail,
          /the upload (is \d+ bytes, over|is larger than) the limit of 1048576 bytes \(size limit check\)/,
        );
        const v = await h.api.get(`/api/v1/provider-versions/${created.body.data.id}`);
        assert.equal(v.body.data.attributes.status, 'errored');
      }
    } finally {
      await server.close();
    }
    assert.deepEqual(await h.deps.store.listTags(providerRepository('tf', HOST, 'limits', 'widget')).catch(() => []), []);
  });

  it('publishes a draft uploaded file by file, invisible until published', async () => {
    const h = harness();
    const keyId = await h.api.createKey('drafts', 'k', await gpg.exportPublicKey(rsa));
    const providerId = await h.api.createProvider('drafts', 'widget');
    const created = await h.api.createVersion(providerId, keyId, '3.1.0', { protocols: ['5.0', '6.0'] });
    const id = created.body.data.id as string;
    const release = await buildRelease({
      type: 'widget',
      version: '3.1.0',
      platforms: [
        { os: 'linux', arch: 'amd64' },
        { os: 'darwin', arch: 'arm64' },
      ],
      sign: (d) => gpg.detachSign(rsa, d),
    });
    for (const [name, bytes] of release.files) {
      const r = await h.api.put(`/api/v1/provider-versions/${id}/files/${name}`, bytes);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const files = await h.api.get(`/api/v1/provider-versions/${id}/files`);
    assert.deepEqual(files.body.data.map((f: { id: string }) => f.id).sort(), [...release.files.keys()].sort());
    const hidden = await h.app.request('/v1/providers/drafts/widget/versions');
    assert.deepEqual(hidden.status === 200 ? ((await hidden.json()) as { versions: unknown[] }).versions : [], []);

    const published = await h.api.request('POST', `/api/v1/provider-versions/${id}/publish`);
    assert.equal(published.status, 200, JSON.stringify(published.body));
    assert.deepEqual(published.body.data.attributes.protocols, ['5.0', '6.0']);
    const versions = (await (await h.app.request('/v1/providers/drafts/widget/versions')).json()) as {
      versions: Array<{ version: string }>;
    };
    assert.deepEqual(
      versions.versions.map((v) => v.version),
      ['3.1.0'],
    );
    const tags = await h.deps.store.listTags(providerRepository('tf', HOST, 'drafts', 'widget'));
    assert.deepEqual(tags, ['3.1.0'], 'the draft manifest is gone once published');
  });

  it('deletes a version from every protocol, then the provider with ?cascade=true', async () => {
    const h = harness();
    const keyId = await h.api.createKey('gone', 'k', await gpg.exportPublicKey(rsa));
    const providerId = await h.api.createProvider('gone', 'widget');
    for (const version of ['1.0.0', '1.1.0']) {
      const created = await h.api.createVersion(providerId, keyId, version);
      const release = await buildRelease({
        type: 'widget',
        version,
        platforms: [{ os: 'linux', arch: 'amd64' }],
        sign: (d) => gpg.detachSign(rsa, d),
      });
      assert.equal((await h.api.put(created.body.data.links.upload, await tarGz(entriesOf(release)))).status, 200);
    }
    const repo = providerRepository('tf', HOST, 'gone', 'widget');
    assert.equal((await h.api.delete('/api/v1/provider-versions/ver-gone.widget.1.0.0')).status, 204);
    assert.deepEqual(await h.deps.store.listTags(repo), ['1.1.0']);
    assert.equal((await h.app.request('/v1/providers/gone/widget/1.0.0/download/linux/amd64')).status, 404);
    assert.equal((await h.app.request(`/mirror/${HOST}/gone/widget/1.0.0.json`)).status, 404);
    assert.equal((await h.api.get('/api/v1/provider-versions/ver-gone.widget.1.0.0')).status, 404);

    const refused = await h.api.delete(`/api/v1/providers/${providerId}`);
    assert.equal(refused.status, 409);
    assertDetail(refused, /still has 1 version\(s\) \(1\.1\.0\)/);
    assert.equal((await h.api.delete(`/api/v1/providers/${providerId}?cascade=true`)).status, 204);
    assert.deepEqual(
      (await h.deps.store.listTags(repo).catch(() => [])).filter((t) => /^\d/.test(t)),
      [],
    );
    assert.equal((await h.api.get(`/api/v1/providers/${providerId}`)).status, 404);
    assert.equal((await h.api.delete(`/api/v1/gpg-keys/${keyId}`)).status, 204, 'the key is free once its versions are gone');
  });

  describe('every refused upload', () => {
    let signers: Signers;
    before(() => {
      signers = { sign: (d) => gpg.detachSign(rsa, d), signOther: (d) => gpg.detachSign(other, d) };
    });
    BAD_RELEASES.forEach((c, i) => {
      it(`refuses ${c.name} with ${c.status}`, async () => {
        const h = publishHarness(registryStore(reg.url), { publicUrl: `https://${HOST}/`, ...(c.limits ? { limits: c.limits } : {}) });
        await runBadCase(h, c, signers, await gpg.exportPublicKey(rsa), `bad${i}`);
      });
    });
  });

  it('reports every failed check on the version (GET shows errored + error-messages)', async () => {
    const h = harness();
    const keyId = await h.api.createKey('report', 'k', await gpg.exportPublicKey(rsa));
    const providerId = await h.api.createProvider('report', 'widget');
    const created = await h.api.createVersion(providerId, keyId, '1.0.0');
    const up = await h.api.put(
      created.body.data.links.upload,
      await tarGz([
        { name: 'a.txt', content: 'x' },
        { name: 'b', type: 'symlink', linkname: 'a.txt' },
      ]),
    );
    assert.equal(up.status, 422);
    const got = await h.api.get(`/api/v1/provider-versions/${created.body.data.id}`);
    assert.deepEqual(got.body.data.attributes['error-messages'], details(up));
    assert.ok(details(up).length >= 4, details(up).join(' | '));
  });
});
