// Network mirror client against a real HTTP server on 127.0.0.1 serving index.json / <version>.json.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Agent } from 'undici';
import { zipH1 } from '../verify/zip-inspect.js';
import {
  generateKey,
  makeRelease,
  notFound,
  sendBytes,
  sendJson,
  startServer,
  type FixtureRelease,
  type TestServer,
} from '../../test/upstream/fixtures.js';
import { isUpstreamError, type UpstreamErrorCode } from './errors.js';
import { createMirrorSource } from './mirror-source.js';
import type { UpstreamPackage } from './types.js';
import { checkPackageFile, verifyRelease } from './verify-release.js';

const dispatcher = new Agent({ keepAliveTimeout: 1000 });
const code = (c: UpstreamErrorCode, re?: RegExp) => (e: unknown) => isUpstreamError(e, c) && (re === undefined || re.test(e.message));
const addr = { hostname: 'registry.terraform.io', namespace: 'hashicorp', type: 'widget' };

describe('network mirror source', () => {
  let release: FixtureRelease;
  let server: TestServer;
  let cdn: TestServer;
  let dir: string;
  const h1 = new Map<string, string>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'upstream-mirror-'));
    release = await makeRelease(
      'widget',
      '2.0.0',
      [
        ['linux', 'amd64'],
        ['darwin', 'arm64'],
      ],
      await generateKey(),
    );
    for (const z of release.zips) {
      const p = join(dir, z.filename);
      await import('node:fs/promises').then((fs) => fs.writeFile(p, z.bytes));
      h1.set(z.filename, await zipH1(p));
    }
    const [linux, darwin] = release.zips as [FixtureRelease['zips'][number], FixtureRelease['zips'][number]];
    cdn = await startServer((req, res) => {
      const zip = release.zips.find((z) => req.url === `/blobs/${z.sha256}`);
      return zip ? sendBytes(res, zip.bytes) : notFound(res);
    });
    server = await startServer((req, res) => {
      const base = '/mirror/registry.terraform.io/hashicorp/widget';
      if (req.url === `${base}/index.json`) return sendJson(res, { versions: { '2.0.0': {}, '1.0.0': {}, garbage: {} } });
      if (req.url === `${base}/2.0.0.json`) {
        return sendJson(res, {
          archives: {
            // relative to the version document, as `terraform providers mirror` writes it
            linux_amd64: { url: linux.filename, hashes: [h1.get(linux.filename), `zh:${linux.sha256}`] },
            // absolute, elsewhere
            darwin_arm64: { url: `${cdn.origin}/blobs/${darwin.sha256}`, hashes: [h1.get(darwin.filename)] },
          },
        });
      }
      if (req.url === `${base}/1.0.0.json`) {
        return sendJson(res, { archives: { linux_amd64: { url: 'x.zip', hashes: [`zh:${'0'.repeat(64)}`] } } });
      }
      if (req.url === `${base}/3.0.0.json`) {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html>');
      }
      const zip = release.zips.find((z) => req.url === `${base}/${z.filename}`);
      return zip ? sendBytes(res, zip.bytes) : notFound(res);
    });
  });
  after(async () => {
    await server.close();
    await cdn.close();
    await dispatcher.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('lists versions and reads a mirror-only release with relative and absolute archive URLs', async () => {
    const src = createMirrorSource({ dispatcher, baseUrl: `${server.origin}/mirror`, timeoutMs: 2000 });
    assert.match(src.describe, /network mirror http:\/\/127\.0\.0\.1:\d+\/mirror\//);
    assert.deepEqual(await src.listVersions(addr), [
      { version: '2.0.0', platforms: [] },
      { version: '1.0.0', platforms: [] },
    ]);
    const got = await src.getRelease(addr, '2.0.0');
    assert.equal(got.shasums, undefined);
    assert.deepEqual(got.protocols, []);
    const [linux, darwin] = got.platforms as [UpstreamPackage, UpstreamPackage];
    assert.equal(
      linux.location,
      `${server.origin}/mirror/registry.terraform.io/hashicorp/widget/terraform-provider-widget_2.0.0_linux_amd64.zip`,
    );
    assert.equal(linux.sha256, release.zips[0]?.sha256, 'sha256 from the zh: hash');
    assert.equal(darwin.sha256, undefined, 'no zh: hash, no sha256');
    assert.equal(darwin.filename, 'terraform-provider-widget_2.0.0_darwin_arm64.zip');
    await assert.rejects(verifyRelease(got), code('SIGNATURE_INVALID', /mirror-only/));

    // Download to a temp file, then check h1 (and sha256 when known) as Terraform does for mirrors.
    for (const pkg of got.platforms) {
      const out = join(dir, `dl-${pkg.os}`);
      await pipeline((await src.openPackage(addr, '2.0.0', pkg)).stream, createWriteStream(out));
      const checked = await checkPackageFile(out, pkg);
      assert.equal(checked.h1, h1.get(pkg.filename));
    }
  });

  test('a zh: hash that the bytes do not match fails the stream; h1 mismatch fails the file check', async () => {
    const src = createMirrorSource({ dispatcher, baseUrl: `${server.origin}/mirror/`, timeoutMs: 2000 });
    const [linux] = (await src.getRelease(addr, '2.0.0')).platforms as [UpstreamPackage];
    const lying = { ...linux, sha256: 'a'.repeat(64) };
    await assert.rejects(
      pipeline((await src.openPackage(addr, '2.0.0', lying)).stream, createWriteStream(join(dir, 'lying'))),
      code('CHECKSUM_MISMATCH', /expected a{64}/),
    );
    const out = join(dir, 'h1');
    await pipeline((await src.openPackage(addr, '2.0.0', linux)).stream, createWriteStream(out));
    await assert.rejects(
      checkPackageFile(out, { ...linux, sha256: undefined, hashes: ['h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='] }),
      code('CHECKSUM_MISMATCH', /h1 hash is h1:/),
    );
  });

  test('not found, platform missing, wrong content type, bad base URL', async () => {
    const src = createMirrorSource({ dispatcher, baseUrl: `${server.origin}/mirror/`, timeoutMs: 2000 });
    await assert.rejects(
      src.listVersions({ ...addr, type: 'nothing' }),
      code('NOT_FOUND', /hashicorp\/nothing is not in the network mirror/),
    );
    await assert.rejects(src.getRelease(addr, '9.0.0'), code('NOT_FOUND'));
    await assert.rejects(
      src.getRelease(addr, '2.0.0', { platforms: [{ os: 'windows', arch: 'amd64' }] }),
      code('PLATFORM_MISSING', /windows_amd64/),
    );
    await assert.rejects(src.getRelease(addr, '3.0.0'), code('BAD_RESPONSE', /not application\/json/));
    assert.throws(() => createMirrorSource({ dispatcher, baseUrl: 'mirror.example.com' }), code('BAD_INPUT'));
    assert.throws(() => createMirrorSource({ dispatcher, baseUrl: 'ftp://mirror.example.com/' }), code('BAD_INPUT'));
  });
});
