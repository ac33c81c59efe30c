// The read-path suite: providers.v1, the network mirror and downloads, end to end through createApp over
// a given store, with real zips and a real GnuPG signature. Run against every store (memory, layout,
// the real Distribution registry) by the *.test.ts files beside it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OciStore } from '../../src/oci/store.js';
import { providerRepository } from '../../src/layout/names.js';
import { createTestSigner, gpgVerifyDetached, type TestSigner } from '../support/gpg-signer.js';
import { makeFixtureRelease, pushForeignRelease, pushRelease, type FixtureRelease } from '../support/provider-fixture.js';
import { buildTestApp, pathOf } from '../support/test-app.js';
import { countingStore } from '../support/counting-store.js';

const HOST = 'registry.example.test';
const PLATFORMS = [
  { os: 'linux', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' },
  { os: 'windows', arch: 'amd64' },
];

interface Json {
  [k: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function readPathSuite(
  name: string,
  makeStore: () => Promise<{ store: OciStore; cleanup: () => Promise<void> }>,
  skip: string | false = false,
) {
  describe(`read path over ${name}`, { skip }, () => {
    let signer: TestSigner;
    let store: OciStore;
    let cleanup: () => Promise<void>;
    let v1: FixtureRelease;
    let v2: FixtureRelease;
    let foreign: FixtureRelease;
    const repo = providerRepository('tf', HOST, 'acme', 'widget');

    before(async () => {
      ({ store, cleanup } = await makeStore());
      signer = await createTestSigner();
      v1 = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: PLATFORMS, signer });
      v2 = await makeFixtureRelease({ type: 'widget', version: '1.1.0-beta.1+build.7', platforms: PLATFORMS.slice(0, 2), signer });
      foreign = await makeFixtureRelease({ type: 'widget', version: '0.9.0', platforms: PLATFORMS.slice(0, 1), signer });
      await pushRelease(store, repo, v1, ['5.0', '6.0']);
      await pushRelease(store, repo, v2, ['6.0']);
      await pushForeignRelease(store, repo, '0.9.0', foreign.zips);
      // A tag that is not a version: ignored everywhere.
      const idx = await store.fetchManifest(repo, '1.0.0');
      await store.pushManifest(repo, 'latest', idx.bytes, idx.descriptor.mediaType);
    });
    after(async () => {
      await signer?.cleanup();
      await cleanup?.();
    });

    it('serves discovery', async () => {
      const { app } = buildTestApp(store);
      const res = await app.request('/.well-known/terraform.json');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(await res.json(), { 'providers.v1': '/v1/providers/', 'modules.v1': '/v1/modules/' });
    });

    it('lists signed versions with protocols and platforms; unsigned ones only as a warning', async () => {
      const { app } = buildTestApp(store);
      const res = await app.request('/v1/providers/acme/widget/versions');
      assert.equal(res.status, 200);
      const body = (await res.json()) as Json;
      assert.deepEqual(body.versions, [
        {
          version: '1.0.0',
          protocols: ['5.0', '6.0'],
          platforms: [
            { os: 'darwin', arch: 'arm64' },
            { os: 'linux', arch: 'amd64' },
            { os: 'windows', arch: 'amd64' },
          ],
        },
        {
          version: '1.1.0-beta.1+build.7',
          protocols: ['6.0'],
          platforms: [
            { os: 'darwin', arch: 'arm64' },
            { os: 'linux', arch: 'amd64' },
          ],
        },
      ]);
      assert.equal(body.warnings.length, 1);
      assert.match(body.warnings[0], /0\.9\.0.*without a signed SHA256SUMS.*network mirror/);
    });

    it('describes a package with every field terraform reads, and its downloads stream the exact bytes', async () => {
      const { app } = buildTestApp(store);
      const res = await app.request('/v1/providers/acme/widget/1.0.0/download/linux/amd64');
      assert.equal(res.status, 200);
      const body = (await res.json()) as Json;
      const zip = v1.zips.find((z) => z.os === 'linux')!;
      assert.deepEqual(body.protocols, ['5.0', '6.0']);
      assert.equal(body.os, 'linux');
      assert.equal(body.arch, 'amd64');
      assert.equal(body.filename, zip.filename);
      assert.equal(body.shasum, zip.sha256);
      assert.equal(body.signing_keys.gpg_public_keys.length, 1);
      const key = body.signing_keys.gpg_public_keys[0];
      assert.equal(key.key_id, signer.keyId);
      assert.equal(key.trust_signature, '');
      assert.match(key.ascii_armor, /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
      for (const u of [body.download_url, body.shasums_url, body.shasums_signature_url]) {
        assert.ok(u.startsWith(`https://${HOST}/download/`), u);
      }

      const dl = await app.request(pathOf(body.download_url));
      assert.equal(dl.status, 200);
      assert.equal(dl.headers.get('content-length'), String(zip.bytes.length));
      const bytes = Buffer.from(await dl.arrayBuffer());
      assert.equal(createHash('sha256').update(bytes).digest('hex'), body.shasum);

      const sums = Buffer.from(await (await app.request(pathOf(body.shasums_url))).arrayBuffer());
      assert.ok(sums.equals(v1.shasums), 'SHA256SUMS served byte-identical');
      assert.ok(
        sums
          .toString()
          .split('\n')
          .some((l) => l === `${body.shasum}  ${body.filename}`),
      );
      const sig = Buffer.from(await (await app.request(pathOf(body.shasums_signature_url))).arrayBuffer());
      assert.ok(sig.equals(v1.signature), 'signature served byte-identical');

      // The served key verifies the served signature over the served SHA256SUMS (as terraform checks).
      const dir = await mkdtemp(join(tmpdir(), 'tfoci-verify-'));
      await writeFile(join(dir, 'SUMS'), sums);
      await writeFile(join(dir, 'SUMS.sig'), sig);
      const verdict = await gpgVerifyDetached(key.ascii_armor, join(dir, 'SUMS'), join(dir, 'SUMS.sig'));
      assert.ok(verdict.ok, verdict.output);
    });

    it('accepts a version with build metadata in the path (+ is not a space)', async () => {
      const { app } = buildTestApp(store);
      const res = await app.request('/v1/providers/acme/widget/1.1.0-beta.1+build.7/download/darwin/arm64');
      assert.equal(res.status, 200);
      const body = (await res.json()) as Json;
      assert.equal(body.filename, 'terraform-provider-widget_1.1.0-beta.1+build.7_darwin_arm64.zip');
    });

    it('answers 404 with a message for unknown providers, versions and platforms', async () => {
      const { app } = buildTestApp(store);
      const cases: Array<[string, RegExp]> = [
        ['/v1/providers/acme/nope/versions', /provider registry\.example\.test\/acme\/nope does not exist/],
        ['/v1/providers/acme/widget/9.9.9/download/linux/amd64', /has no version 9\.9\.9/],
        [
          '/v1/providers/acme/widget/1.0.0/download/linux/arm',
          /not available for linux_arm \(available: darwin_arm64, linux_amd64, windows_amd64\)/,
        ],
        ['/v1/providers/acme/widget/v1.0.0/download/linux/amd64', /not a canonical semantic version/],
        ['/v1/providers/ac_me/widget/versions', /namespace/],
        ['/v1/providers/acme/widget/0.9.0/download/linux/amd64', /no signed SHA256SUMS/],
      ];
      for (const [path, message] of cases) {
        const res = await app.request(path);
        assert.equal(res.status, 404, path);
        const body = (await res.json()) as Json;
        assert.equal(body.errors[0].status, '404');
        assert.match(body.errors[0].detail, message, path);
      }
    });

    it('serves the mirror index.json with every version tag, unsigned ones included', async () => {
      const { app } = buildTestApp(store);
      const res = await app.request(`/mirror/${HOST}/acme/widget/index.json`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json');
      const body = (await res.json()) as Json;
      assert.deepEqual(Object.keys(body.versions).sort(), ['0.9.0', '1.0.0', '1.1.0-beta.1+build.7']);
    });

    it('serves mirror <version>.json with h1 and zh for each platform, and working URLs', async () => {
      const { app } = buildTestApp(store);
      for (const rel of [v1, foreign]) {
        const res = await app.request(`/mirror/${HOST}/acme/widget/${rel.version}.json`);
        assert.equal(res.status, 200, rel.version);
        const body = (await res.json()) as Json;
        assert.deepEqual(Object.keys(body.archives).sort(), rel.zips.map((z) => `${z.os}_${z.arch}`).sort());
        for (const z of rel.zips) {
          const a = body.archives[`${z.os}_${z.arch}`];
          // h1 recorded at publish (ours) or computed from the zip (foreign): both equal Go's dirhash.
          assert.deepEqual(a.hashes, [`zh:${z.sha256}`, z.h1], `${rel.version} ${z.os}_${z.arch}`);
          const dl = await app.request(pathOf(a.url));
          assert.equal(dl.status, 200);
          assert.ok(Buffer.from(await dl.arrayBuffer()).equals(z.bytes));
        }
      }
    });

    it('mirror: unknown provider or version is 404, unknown document is 404', async () => {
      const { app } = buildTestApp(store);
      assert.equal((await app.request(`/mirror/${HOST}/acme/nope/index.json`)).status, 404);
      assert.equal((await app.request(`/mirror/${HOST}/acme/widget/2.0.0.json`)).status, 404);
      assert.equal((await app.request(`/mirror/${HOST}/acme/widget/index.html`)).status, 404);
      assert.equal((await app.request(`/mirror/other.example/acme/widget/index.json`)).status, 404);
    });

    it('refuses tampered and expired download URLs with 403, and HEAD opens no upstream stream', async () => {
      const counted = countingStore(store);
      const { app, clock } = buildTestApp(counted, { downloadTtl: 60 });
      const body = (await (await app.request('/v1/providers/acme/widget/1.0.0/download/linux/amd64')).json()) as Json;
      const path = pathOf(body.download_url);
      counted.reset();
      const head = await app.request(path, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(v1.zips.find((z) => z.os === 'linux')!.bytes.length));
      assert.equal(counted.total(), 0, 'HEAD must not call the store');

      const [, , token, file] = path.split('/');
      const flipped = token!.slice(0, 10) + (token![10] === 'A' ? 'B' : 'A') + token!.slice(11);
      const bad = await app.request(`/download/${flipped}/${file}`);
      assert.equal(bad.status, 403);
      assert.match(((await bad.json()) as Json).errors[0].detail, /not valid/);

      clock.now += 61_000;
      const expired = await app.request(path);
      assert.equal(expired.status, 403);
      assert.match(((await expired.json()) as Json).errors[0].detail, /expired/);
    });

    it('download URLs signed with another secret are refused; rotation keeps old URLs working', async () => {
      const a = buildTestApp(store, { secrets: ['secret-A-0123456789abcdef'] });
      const body = (await (await a.app.request('/v1/providers/acme/widget/1.0.0/download/linux/amd64')).json()) as Json;
      const other = buildTestApp(store, { secrets: ['secret-B-0123456789abcdef'] });
      assert.equal((await other.app.request(pathOf(body.download_url))).status, 403);
      const rotated = buildTestApp(store, { secrets: ['secret-B-0123456789abcdef', 'secret-A-0123456789abcdef'] });
      assert.equal((await rotated.app.request(pathOf(body.download_url))).status, 200);
    });

    it('warm requests cost no upstream request; a cold listing costs one tag list plus one GET per version', async () => {
      const counted = countingStore(store);
      const { app } = buildTestApp(counted);
      await app.request('/v1/providers/acme/widget/versions');
      assert.equal(counted.counts.listTags, 1);
      assert.equal(counted.counts.fetchManifest, 3, 'one index GET per version tag (3 versions)');
      counted.reset();
      await app.request('/v1/providers/acme/widget/versions');
      await app.request('/v1/providers/acme/widget/1.0.0/download/linux/amd64');
      await app.request(`/mirror/${HOST}/acme/widget/1.0.0.json`);
      assert.equal(counted.counts.listTags ?? 0, 0, 'the tag list is reused within its TTL');
      counted.reset();
      await app.request('/v1/providers/acme/widget/versions');
      await app.request('/v1/providers/acme/widget/1.0.0/download/linux/amd64');
      await app.request(`/mirror/${HOST}/acme/widget/index.json`);
      await app.request(`/mirror/${HOST}/acme/widget/1.0.0.json`);
      assert.equal(counted.total(), 0, `warm requests hit the store: ${JSON.stringify(counted.counts)}`);
    });

    it('logs one line per request and never the sealed download ticket', async () => {
      const { app, logLines } = buildTestApp(store);
      const body = (await (await app.request('/v1/providers/acme/widget/1.0.0/download/linux/amd64')).json()) as Json;
      await app.request(pathOf(body.download_url));
      const ticket = pathOf(body.download_url).split('/')[2]!;
      const text = logLines.join('');
      assert.ok(!text.includes(ticket), 'ticket must not be logged');
      assert.match(text, /"path":"\/download\/…\/terraform-provider-widget_1\.0\.0_linux_amd64\.zip"/);
      assert.match(text, /"status":200/);
    });
  });
}
