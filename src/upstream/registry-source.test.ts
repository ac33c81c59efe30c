// providers.v1 client against real HTTP servers on 127.0.0.1, with a real OpenPGP-signed SHA256SUMS.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent } from 'undici';
import {
  deadOrigin,
  generateKey,
  makeRelease,
  sha256,
  startServer,
  type FixtureRelease,
  type TestKey,
  type TestServer,
} from '../../test/upstream/fixtures.js';
import { fakeRegistry, type FakeRegistryOptions } from '../../test/upstream/fake-registry.js';
import { isUpstreamError, type UpstreamErrorCode } from './errors.js';
import { createRegistrySource, type RegistrySourceOptions } from './registry-source.js';
import type { ProviderSource, UpstreamPackage } from './types.js';
import { verifyRelease } from './verify-release.js';

const dispatcher = new Agent({ keepAliveTimeout: 1000 });
const code = (c: UpstreamErrorCode, re?: RegExp) => (e: unknown) => isUpstreamError(e, c) && (re === undefined || re.test(e.message));

async function drain(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(
    stream,
    new Writable({
      write(chunk: Buffer, _e, cb) {
        parts.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(parts);
}

describe('registry source (providers.v1)', () => {
  let key: TestKey;
  let other: TestKey;
  let release: FixtureRelease;
  const servers: TestServer[] = [];
  const serve = async (o: Partial<FakeRegistryOptions> = {}) => {
    const s = await startServer(fakeRegistry({ release, ...o }));
    servers.push(s);
    return s;
  };
  const source = (o: Partial<RegistrySourceOptions> = {}): ProviderSource =>
    createRegistrySource({ dispatcher, discoveryScheme: 'http', timeoutMs: 2000, retryDelayMs: 10, ...o });
  const addr = (s: TestServer) => ({ hostname: s.host, namespace: 'acme', type: 'widget' });

  before(async () => {
    key = await generateKey('Publisher');
    other = await generateKey('Intruder');
    release = await makeRelease(
      'widget',
      '1.2.0',
      [
        ['linux', 'amd64'],
        ['darwin', 'arm64'],
        ['windows', '386'],
      ],
      key,
    );
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await dispatcher.close();
  });

  test('discovers, lists, reads, verifies and streams a good release (relative URLs)', async () => {
    const s = await serve();
    const src = source();
    const versions = await src.listVersions(addr(s));
    assert.deepEqual(versions, [
      { version: '1.2.0', protocols: ['5.0'], platforms: release.zips.map((z) => ({ os: z.os, arch: z.arch })) },
    ]);
    const got = await src.getRelease(addr(s), '1.2.0');
    assert.ok(got.shasums?.equals(release.shasums), 'exact SHA256SUMS bytes');
    assert.ok(got.signature?.equals(release.signature));
    assert.deepEqual(got.signingKeys, [key.armoredPublic]);
    assert.deepEqual(got.protocols, ['5.0']);
    assert.equal(got.platforms.length, 3);
    const linux = got.platforms.find((p) => p.os === 'linux') as UpstreamPackage;
    assert.equal(linux.location, `${s.origin}/files/terraform-provider-widget_1.2.0_linux_amd64.zip`);
    // The other platforms are described from SHA256SUMS: their documents are read when they are opened.
    const darwin = got.platforms.find((p) => p.os === 'darwin') as UpstreamPackage;
    assert.deepEqual(darwin, { os: 'darwin', arch: 'arm64', filename: 'terraform-provider-widget_1.2.0_darwin_arm64.zip', hashes: [] });

    const verified = await verifyRelease(got);
    assert.equal(verified.signer.primaryKeyId, key.keyId);
    assert.deepEqual(verified.warnings, []);
    for (const z of release.zips) assert.equal(verified.platforms.find((p) => p.filename === z.filename)?.sha256, z.sha256);

    const documents = () =>
      s.log
        .filter((r) => r.path.includes('/download/') && !r.path.includes('/files/'))
        .map((r) => r.path)
        .sort();
    // Discovery ran once; one platform's document, SHA256SUMS and its signature once for three platforms.
    assert.equal(s.log.filter((r) => r.path === '/.well-known/terraform.json').length, 1);
    assert.equal(s.log.filter((r) => r.path.endsWith('_SHA256SUMS')).length, 1);
    assert.equal(s.log.filter((r) => r.path.endsWith('_SHA256SUMS.sig')).length, 1);
    assert.deepEqual(documents(), ['/v1/providers/acme/widget/1.2.0/download/linux/amd64']);
    for (const pkg of verified.platforms) {
      const body = await src.openPackage(addr(s), '1.2.0', pkg);
      const bytes = await drain(body.stream);
      assert.equal(body.size, bytes.length);
      assert.equal(sha256(bytes), pkg.sha256);
    }
    // Opening the others read their documents (the lead's location was known), and nothing else again.
    assert.deepEqual(documents(), [
      '/v1/providers/acme/widget/1.2.0/download/darwin/arm64',
      '/v1/providers/acme/widget/1.2.0/download/linux/amd64',
      '/v1/providers/acme/widget/1.2.0/download/windows/386',
    ]);
    assert.equal(s.log.filter((r) => r.path.endsWith('_SHA256SUMS')).length, 1);
  });

  test('absolute providers.v1 on another host, absolute download URLs on a CDN; the token never goes to downloads', async () => {
    const cdn = await serve();
    const api = await serve({ downloadOrigin: cdn.origin });
    const front = await serve({ providersV1: `${api.origin}/v1/providers` }); // no final slash: added
    const src = source({ token: (h) => (h === front.host ? 'secret-token' : undefined) });
    const got = await src.getRelease(addr(front), '1.2.0', { platforms: [{ os: 'darwin', arch: 'arm64' }] });
    assert.equal(got.platforms.length, 1);
    assert.equal(got.platforms[0]?.location, `${cdn.origin}/files/terraform-provider-widget_1.2.0_darwin_arm64.zip`);
    const verified = await verifyRelease(got);
    assert.equal(
      sha256(await drain((await src.openPackage(addr(front), '1.2.0', verified.platforms[0] as UpstreamPackage)).stream)),
      release.zips[1]?.sha256,
    );
    // As in Terraform, the registry host's credentials go to its discovered providers.v1 API, wherever it is,
    // but not to SHA256SUMS, signature or package downloads.
    assert.ok(front.log.every((r) => r.authorization === 'Bearer secret-token'));
    const apiCalls = api.log.filter((r) => !r.path.includes('/files/'));
    assert.ok(apiCalls.length > 0 && apiCalls.every((r) => r.authorization === 'Bearer secret-token'));
    assert.ok(api.log.filter((r) => r.path.includes('/files/')).every((r) => r.authorization === undefined));
    assert.ok(cdn.log.length > 0 && cdn.log.every((r) => r.authorization === undefined));
  });

  test('redirects are followed and relative URLs resolve against the final URL', async () => {
    const target = await serve();
    const redirector = await startServer((req, res) => {
      res.writeHead(302, { location: `${target.origin}${req.url}` });
      res.end();
    });
    servers.push(redirector);
    const src = source({ serviceOverrides: { 'registry.example.test': `${redirector.origin}/v1/providers/` } });
    const a = { hostname: 'registry.example.test', namespace: 'acme', type: 'widget' };
    const got = await src.getRelease(a, '1.2.0', { platforms: [{ os: 'linux', arch: 'amd64' }] });
    assert.equal(got.platforms[0]?.location, `${target.origin}/files/terraform-provider-widget_1.2.0_linux_amd64.zip`);
    await verifyRelease(got);
    // Discovery itself at a configured URL (`[[mirror.upstream]] url`), with a path prefix.
    const viaDiscovery = source({ discoveryUrls: { 'registry.example.test': `${redirector.origin}/prefix` } });
    assert.equal((await viaDiscovery.listVersions(a)).length, 1);
    assert.ok(target.log.some((r) => r.path === '/prefix/.well-known/terraform.json'));
  });

  test('a zip altered after signing fails the stream with CHECKSUM_MISMATCH', async () => {
    const z = release.zips[0] as FixtureRelease['zips'][number];
    const altered = Buffer.from(z.bytes);
    altered.writeUInt8((altered.at(-30) as number) ^ 0xff, altered.length - 30);
    const s = await serve({ zipOverride: { [z.filename]: altered } });
    const src = source();
    const verified = await verifyRelease(await src.getRelease(addr(s), '1.2.0'));
    const pkg = verified.platforms.find((p) => p.filename === z.filename) as UpstreamPackage;
    const body = await src.openPackage(addr(s), '1.2.0', pkg);
    await assert.rejects(
      drain(body.stream),
      code('CHECKSUM_MISMATCH', new RegExp(`${z.filename}: sha256 is ${sha256(altered)}, expected ${z.sha256}`)),
    );
  });

  test('signature checks: unknown signer, tampered SHA256SUMS, pinned keys', async () => {
    const byOther = await serve({ signature: await other.sign(release.shasums) });
    await assert.rejects(
      verifyRelease(await source().getRelease(addr(byOther), '1.2.0')),
      code('UNKNOWN_SIGNER', new RegExp(`made by ${other.keyId}`)),
    );
    // The upstream offers the intruder's key too, but the configuration pins the publisher's.
    const offersOther = await serve({ signature: await other.sign(release.shasums), keys: [other.armoredPublic] });
    const got = await source().getRelease(addr(offersOther), '1.2.0');
    assert.equal((await verifyRelease(got)).signer.primaryKeyId, other.keyId);
    await assert.rejects(verifyRelease(got, { trustedKeys: [key.armoredPublic] }), code('UNKNOWN_SIGNER'));

    const tampered = Buffer.from(release.shasums.toString().replace(/^./, (c) => (c === 'a' ? 'b' : 'a')));
    const bad = await serve({ shasums: tampered });
    await assert.rejects(verifyRelease(await source().getRelease(addr(bad), '1.2.0')), code('SIGNATURE_INVALID', /does not verify/));
    await assert.rejects(verifyRelease({ ...got, signingKeys: [] }), code('UNKNOWN_SIGNER', /no signing keys/));
  });

  test('SHA256SUMS without a platform -> PLATFORM_MISSING; download shasum differing -> CHECKSUM_MISMATCH', async () => {
    const missing = await makeRelease(
      'widget',
      '1.2.0',
      [
        ['linux', 'amd64'],
        ['darwin', 'arm64'],
      ],
      key,
      {
        omitFromShasums: 'terraform-provider-widget_1.2.0_darwin_arm64.zip',
      },
    );
    const s = await startServer(fakeRegistry({ release: missing }));
    servers.push(s);
    await assert.rejects(
      verifyRelease(await source().getRelease(addr(s), '1.2.0')),
      code('PLATFORM_MISSING', /darwin_arm64: terraform-provider-widget_1\.2\.0_darwin_arm64\.zip is not listed in SHA256SUMS/),
    );
    // The lead platform's document is checked with the release; another's when its package is opened.
    const wrongLead = await serve({ shasumOverride: { [release.zips[0]?.filename as string]: 'f'.repeat(64) } });
    await assert.rejects(
      verifyRelease(await source().getRelease(addr(wrongLead), '1.2.0')),
      code('CHECKSUM_MISMATCH', /linux_amd64: the source says sha256 f{64}/),
    );
    const wrong = await serve({ shasumOverride: { [release.zips[2]?.filename as string]: 'f'.repeat(64) } });
    const src = source();
    const verified = await verifyRelease(await src.getRelease(addr(wrong), '1.2.0'));
    await assert.rejects(
      src.openPackage(addr(wrong), '1.2.0', verified.platforms[2] as UpstreamPackage),
      code('CHECKSUM_MISMATCH', /windows_386: the source says sha256 f{64}, SHA256SUMS lists [0-9a-f]{64}/),
    );
  });

  test('a package under another name than the convention: its document is read with the release', async () => {
    const [linux, darwin] = release.zips as [FixtureRelease['zips'][number], FixtureRelease['zips'][number]];
    const renamed = { ...darwin, filename: 'widget-darwin-arm64.zip' };
    const shasums = Buffer.from(`${linux.sha256}  ${linux.filename}\n${renamed.sha256}  ${renamed.filename}\n`);
    const odd: FixtureRelease = { ...release, zips: [linux, renamed], shasums, signature: await key.sign(shasums) };
    const s = await startServer(fakeRegistry({ release: odd }));
    servers.push(s);
    const src = source();
    const verified = await verifyRelease(await src.getRelease(addr(s), '1.2.0'));
    assert.deepEqual(
      verified.platforms.map((p) => [p.filename, p.sha256, p.location !== undefined]),
      [
        [linux.filename, linux.sha256, true],
        [renamed.filename, renamed.sha256, true],
      ],
    );
    assert.equal(
      sha256(await drain((await src.openPackage(addr(s), '1.2.0', verified.platforms[1] as UpstreamPackage)).stream)),
      renamed.sha256,
    );
    // A document that names another file than the one SHA256SUMS was read for is refused when opened.
    const renamedLater = await startServer(fakeRegistry({ release: { ...odd, shasums: release.shasums, signature: release.signature } }));
    servers.push(renamedLater);
    const later = await verifyRelease(await source().getRelease(addr(renamedLater), '1.2.0'));
    assert.equal(later.platforms[1]?.filename, darwin.filename);
    await assert.rejects(
      source().openPackage(addr(renamedLater), '1.2.0', later.platforms[1] as UpstreamPackage),
      code(
        'BAD_RESPONSE',
        /darwin_arm64: the download endpoint names widget-darwin-arm64\.zip, SHA256SUMS lists terraform-provider-widget_1\.2\.0_darwin_arm64\.zip/,
      ),
    );
  });

  test('not found: provider, version, platform; no registry; no providers.v1', async () => {
    const s = await serve();
    const src = source();
    await assert.rejects(src.listVersions({ ...addr(s), type: 'nothing' }), code('NOT_FOUND', /acme\/nothing is not known/));
    await assert.rejects(src.getRelease(addr(s), '9.9.9'), code('NOT_FOUND', /9\.9\.9 is not a published version/));
    await assert.rejects(
      src.getRelease(addr(s), '1.2.0', { platforms: [{ os: 'linux', arch: 'arm' }] }),
      code('PLATFORM_MISSING', /linux_arm/),
    );
    await assert.rejects(src.getRelease(addr(s), 'v1.2.0'), code('BAD_INPUT'));
    const plain = await startServer((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    servers.push(plain);
    await assert.rejects(src.listVersions(addr(plain)), code('NO_SERVICE', /is not a Terraform registry/));
    const modulesOnly = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"modules.v1":"/m/","providers.v2":"/p/"}');
    });
    servers.push(modulesOnly);
    await assert.rejects(
      src.listVersions(addr(modulesOnly)),
      code('NO_SERVICE', /does not offer providers\.v1 \(it offers providers\.v2\)/),
    );
  });

  test('server down -> UNREACHABLE; 401 -> UNAUTHORIZED; 503 is retried once', async () => {
    const down = await deadOrigin();
    const host = new URL(down).host;
    await assert.rejects(source().listVersions({ hostname: host, namespace: 'acme', type: 'widget' }), code('UNREACHABLE', /ECONNREFUSED/));
    const denied = await startServer((_req, res) => {
      res.writeHead(401);
      res.end();
    });
    servers.push(denied);
    await assert.rejects(source().listVersions(addr(denied)), code('UNAUTHORIZED', /refused access \(401\)/));
    const good = fakeRegistry({ release });
    let failures = 0;
    const flaky = await startServer((req, res) => {
      if (req.url?.endsWith('/versions') && failures++ === 0) {
        res.writeHead(503);
        res.end();
        return;
      }
      return good(req, res);
    });
    servers.push(flaky);
    assert.equal((await source().listVersions(addr(flaky))).length, 1);
    failures = 0;
    await assert.rejects(source({ retries: 0 }).listVersions(addr(flaky)), code('UNREACHABLE', /answered 503/));
  });

  test('a slow server fails with TIMEOUT within the configured time (metadata and package body)', async () => {
    const good = fakeRegistry({ release });
    const slow = await startServer(async (req, res) => {
      if (req.url?.endsWith('/versions')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"versions": ['); // then nothing more
        return;
      }
      if (req.url?.endsWith('.zip')) {
        res.writeHead(200, { 'content-type': 'application/zip', 'content-length': '100000' });
        res.write(Buffer.alloc(10)); // then stalls
        return;
      }
      return good(req, res);
    });
    servers.push(slow);
    const src = source({ timeoutMs: 300, retries: 0 });
    let started = Date.now();
    await assert.rejects(src.listVersions(addr(slow)), code('TIMEOUT', /did not answer in time/));
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    const pkg: UpstreamPackage = {
      os: 'linux',
      arch: 'amd64',
      filename: 'terraform-provider-widget_1.2.0_linux_amd64.zip',
      hashes: [],
      location: `${slow.origin}/files/terraform-provider-widget_1.2.0_linux_amd64.zip`,
    };
    const body = await src.openPackage(addr(slow), '1.2.0', pkg);
    started = Date.now();
    await assert.rejects(drain(body.stream), code('TIMEOUT'));
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
  });

  test("the caller's abort signal ends a call with its reason", async () => {
    const hang = await startServer(() => undefined);
    servers.push(hang);
    const controller = new AbortController();
    const reason = new Error('stop');
    setTimeout(() => controller.abort(reason), 50);
    await assert.rejects(source().listVersions(addr(hang), { signal: controller.signal }), (e) => e === reason);
  });

  test('bad documents -> BAD_RESPONSE naming the problem', async () => {
    const cases: Array<[string, (path: string) => unknown, RegExp]> = [
      ['not JSON', () => 'nope', /did not answer valid JSON/],
      ['huge', () => ({ versions: [], pad: 'x'.repeat(5 * 1024 * 1024) }), /more than 4194304 bytes/],
      ['versions not an array', () => ({ versions: {} }), /"versions" must be an array/],
    ];
    for (const [name, body, re] of cases) {
      const s = await startServer((req, res) => {
        const json = req.url === '/.well-known/terraform.json' ? { 'providers.v1': '/v1/providers/' } : body(req.url ?? '');
        const text = typeof json === 'string' ? json : JSON.stringify(json);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(text);
      });
      servers.push(s);
      // A generous timeout: the 5 MiB answer must be refused for its size, never time out on a busy machine.
      await assert.rejects(source({ timeoutMs: 60_000 }).listVersions(addr(s)), code('BAD_RESPONSE', re), name);
    }
    const wrongTarget = await startServer((req, res) => {
      const g = fakeRegistry({ release });
      if (req.url?.includes('/download/')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ os: 'linux', arch: 'arm64', filename: 'x.zip', download_url: 'ftp://x/y', shasum: 'a'.repeat(64) }));
        return;
      }
      return g(req, res);
    });
    servers.push(wrongTarget);
    await assert.rejects(
      source().getRelease(addr(wrongTarget), '1.2.0', { platforms: [{ os: 'linux', arch: 'amd64' }] }),
      code('BAD_RESPONSE', /the answer is for linux_arm64/),
    );
  });
});
