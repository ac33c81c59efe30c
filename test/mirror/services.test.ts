// Several mirror services in one server ([[mirror.service]], docs/mirror.md#several-mirror-services): two
// services on two real OCI image-layout directories beside the main store each answer for their own
// providers only, their download URLs serve their own store's bytes and are refused by every other
// service, and the permission table guards their paths like the main mirror (service mode, API tokens).
// Every mirror of the process shares one temp dir and one set of in-use temp files: the server mirror's
// sweep never takes a file a service mirror is still fetching (docs/fault-tolerance.md#temp-files).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashToken } from '../../src/auth/api-tokens.js';
import { providerRepository } from '../../src/layout/names.js';
import { createLayoutStore } from '../../src/oci/layout-store.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { bearer, buildAuthApp, type AuthTestApp } from '../auth/support.js';
import { requireTool } from '../support/distribution.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { type FixtureRelease, makeFixtureRelease, pushRelease } from '../support/provider-fixture.js';
import { pathOf } from '../support/test-app.js';
import { faultyProxy, type FaultyProxy, startUpstream, type Upstream } from './support.js';

const tools = requireTool('gpg', 'zip');
const HOST = 'registry.terraform.io';
const READER = 'tok-reader-0123456789';
const PUBLISHER = 'tok-publisher-0123456789';

describe('several mirror services in one server', tools, () => {
  let signer: TestSigner;
  let dir: string;
  let app: AuthTestApp;
  const releases: Record<string, FixtureRelease> = {};

  before(async () => {
    signer = await createTestSigner();
    dir = await mkdtemp(join(tmpdir(), 'tfoci-services-'));
    const main = createMemoryStore();
    // One provider per store, all under the same provider hostname: only the store decides who has it.
    const where = { main: main, a: createLayoutStore({ path: join(dir, 'a') }), b: createLayoutStore({ path: join(dir, 'b') }) };
    for (const [name, store] of Object.entries(where)) {
      const type = `only${name}`;
      releases[name] = await makeFixtureRelease({ type, version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
      // Service b uses another repository prefix than the main store and service a.
      await pushRelease(store, providerRepository(name === 'b' ? 'team-b/providers' : 'tf', HOST, 'acme', type), releases[name]!);
    }
    app = buildAuthApp(
      main,
      `[storage]\nprefix = "tf"\n[auth]\nmode = "service"
[[auth.tokens]]\nname = "reader"\nsha256 = "${hashToken(READER)}"\npermissions = ["providers:read"]
[[auth.tokens]]\nname = "publisher"\nsha256 = "${hashToken(PUBLISHER)}"\npermissions = ["gpg-keys:read"]
[[mirror.service]]\nname = "team-a"\nbase_path = "/mirrors/team-a/"\npath = "${join(dir, 'a')}"\nprefix = "tf"
[[mirror.service]]\nname = "team-b"\nbase_path = "mirrors/team-b"\npath = "${join(dir, 'b')}"\nprefix = "team-b/providers"\n`,
    );
  });
  after(async () => {
    await signer?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const reader = bearer(READER);
  const get = (path: string, headers: Record<string, string> = reader) => app.app.request(path, { headers });
  const mirrors = { main: '/mirror/', a: '/mirrors/team-a/', b: '/mirrors/team-b/' } as const;

  it('each mirror lists its own providers only', async () => {
    for (const [name, base] of Object.entries(mirrors)) {
      for (const owner of ['main', 'a', 'b']) {
        const res = await get(`${base}${HOST}/acme/only${owner}/index.json`);
        if (owner === name) {
          assert.equal(res.status, 200, `${base} should serve only${owner}`);
          assert.deepEqual(await res.json(), { versions: { '1.0.0': {} } });
        } else {
          assert.equal(res.status, 404, `${base} must not serve only${owner}`);
          const body = (await res.json()) as { errors: Array<{ detail: string }> };
          assert.match(body.errors[0]!.detail, new RegExp(`only${owner}.*not in this mirror`));
        }
      }
    }
  });

  it("each mirror's download URL serves its own store's bytes, under its own download path", async () => {
    for (const [name, base] of Object.entries(mirrors)) {
      const res = await get(`${base}${HOST}/acme/only${name}/1.0.0.json`);
      assert.equal(res.status, 200);
      const doc = (await res.json()) as { archives: Record<string, { url: string; hashes: string[] }> };
      const archive = doc.archives.linux_amd64!;
      const zip = releases[name]!.zips[0]!;
      assert.ok(archive.hashes.includes(`zh:${zip.sha256}`));
      assert.match(
        archive.url,
        name === 'main' ? /^https:\/\/registry\.example\.test\/download\/[^/]+\/[^/]+$/ : new RegExp(`/download/m/team-${name}/`),
      );
      // Downloads need no credential (terraform sends none to archive URLs).
      const dl = await get(pathOf(archive.url), {});
      assert.equal(dl.status, 200);
      const bytes = Buffer.from(await dl.arrayBuffer());
      assert.equal(createHash('sha256').update(bytes).digest('hex'), zip.sha256);
    }
  });

  it("a mirror's download ticket is refused by every other mirror's download path (403 URL_INVALID)", async () => {
    const urls: Record<string, string> = {};
    for (const [name, base] of Object.entries(mirrors)) {
      const doc = (await (await get(`${base}${HOST}/acme/only${name}/1.0.0.json`)).json()) as {
        archives: Record<string, { url: string }>;
      };
      urls[name] = pathOf(doc.archives.linux_amd64!.url);
    }
    const tail = (path: string) => path.split('/').slice(-2).join('/');
    const paths = { main: '/download/', a: '/download/m/team-a/', b: '/download/m/team-b/' } as const;
    for (const [from, url] of Object.entries(urls)) {
      for (const [to, prefix] of Object.entries(paths)) {
        if (from === to) continue;
        const res = await get(`${prefix}${tail(url)}`, {});
        assert.equal(res.status, 403, `${from}'s ticket at ${to}`);
        const body = (await res.json()) as { errors: Array<{ code: string }> };
        assert.equal(body.errors[0]!.code, 'URL_INVALID');
      }
    }
  });

  it('service paths need providers:read like the main mirror (no token 401, wrong permission 403)', async () => {
    const path = `${mirrors.a}${HOST}/acme/onlya/index.json`;
    assert.equal((await get(path, {})).status, 401);
    assert.equal((await get(path, bearer(PUBLISHER))).status, 403);
    assert.equal((await get(path, reader)).status, 200);
  });

  it('the access log names each service route by its template and never holds a ticket', async () => {
    await get(`${mirrors.b}${HOST}/acme/onlyb/index.json`);
    assert.match(app.logs(), /"route":"\/mirrors\/team-b\/:hostname\/:namespace\/:type\/:file"/);
    const doc = (await (await get(`${mirrors.a}${HOST}/acme/onlya/1.0.0.json`)).json()) as { archives: Record<string, { url: string }> };
    const url = pathOf(doc.archives.linux_amd64!.url);
    const ticket = url.split('/').at(-2)!;
    assert.equal((await get(url, {})).status, 200);
    assert.match(app.logs(), /"path":"\/download\/m\/team-a\/…\/terraform-provider-onlya_1\.0\.0_linux_amd64\.zip"/);
    assert.ok(!app.logs().includes(ticket), 'the ticket reached the log');
  });
});

describe('a mirror service with its own upstream', tools, () => {
  const UP = 'upstream.example.test';
  let upstream: Upstream;
  let dir: string;
  let app: AuthTestApp;
  const main = createMemoryStore();

  before(async () => {
    upstream = await startUpstream(UP);
    await upstream.publish('widget', '1.0.0', [{ os: 'linux', arch: 'amd64' }]);
    dir = await mkdtemp(join(tmpdir(), 'tfoci-service-pull-'));
    app = buildAuthApp(
      main,
      `[storage]\nprefix = "tf"
[[mirror.service]]\nname = "pulled"\nbase_path = "/mirrors/pulled/"\npath = "${dir}"\nprefix = "cache"\nupstream_ttl = 0
[[mirror.service.upstream]]\nhostname = "${UP}"\nurl = "${upstream.url}"\n`,
    );
  });
  after(async () => {
    await upstream?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('pulls through into its own store; the main mirror (no upstream) keeps answering 404', async () => {
    assert.equal((await app.app.request(`/mirror/${UP}/acme/widget/index.json`)).status, 404);
    const doc = (await (await app.app.request(`/mirrors/pulled/${UP}/acme/widget/1.0.0.json`)).json()) as {
      archives: Record<string, { url: string; hashes: string[] }>;
    };
    const archive = doc.archives.linux_amd64!;
    assert.match(archive.url, /\/download\/m\/pulled\/pull\//);
    const res = await app.app.request(pathOf(archive.url));
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(`zh:${createHash('sha256').update(bytes).digest('hex')}`, archive.hashes[0]);
    // Stored in the service's layout directory under its prefix, nothing in the main store.
    // The tag is written once the stream has been checked, just after the client's transfer ends.
    const stored = createLayoutStore({ path: dir });
    const repo = providerRepository('cache', UP, 'acme', 'widget');
    const tags = () => stored.listTags(repo).catch(() => [] as string[]);
    for (const end = Date.now() + 20_000; !(await tags()).includes('1.0.0') && Date.now() < end; )
      await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(await stored.listTags(repo), ['1.0.0']);
    await assert.rejects(main.listTags(providerRepository('tf', UP, 'acme', 'widget')));
    // Served from the service's store now: a ticket of its own download path, no pull.
    const again = (await (await app.app.request(`/mirrors/pulled/${UP}/acme/widget/1.0.0.json`)).json()) as {
      archives: Record<string, { url: string }>;
    };
    assert.match(again.archives.linux_amd64!.url, /\/download\/m\/pulled\/[^/]+\/[^/]+$/);
    assert.doesNotMatch(again.archives.linux_amd64!.url, /\/pull\//);
  });
});

describe('a service mirror fetch in flight and the server mirror sweep', requireTool('zip'), () => {
  const UP = 'upstream.example.test';
  let upstream: Upstream;
  let proxy: FaultyProxy;
  let dir: string;
  let tmp: string;
  let app: AuthTestApp;

  before(async () => {
    upstream = await startUpstream(UP);
    await upstream.publish('widget', '1.0.0', [{ os: 'linux', arch: 'amd64' }]);
    proxy = await faultyProxy(() => upstream.url);
    dir = await mkdtemp(join(tmpdir(), 'tfoci-service-sweep-'));
    tmp = await mkdtemp(join(tmpdir(), 'tfoci-service-sweep-tmp-'));
    // The main mirror has no upstream: only the service fetches; the server's sweep is the main mirror's.
    app = buildAuthApp(
      createMemoryStore(),
      `[storage]\nprefix = "tf"
[[mirror.service]]\nname = "pulled"\nbase_path = "/mirrors/pulled/"\npath = "${join(dir, 'store')}"\nprefix = "cache"\nupstream_ttl = 0
[[mirror.service.upstream]]\nhostname = "${UP}"\nurl = "${proxy.url}"\n`,
      {},
      {},
      { tmpDir: tmp },
    );
  });
  after(async () => {
    proxy?.resume();
    proxy?.server.close();
    await upstream?.stop();
    for (const d of [dir, tmp]) if (d) await rm(d, { recursive: true, force: true });
  });

  it('keeps the file the service is fetching, however old, and sweeps an orphan of the same age', async () => {
    const doc = (await (await app.app.request(`/mirrors/pulled/${UP}/acme/widget/1.0.0.json`)).json()) as {
      archives: Record<string, { url: string; hashes: string[] }>;
    };
    const archive = doc.archives.linux_amd64!;
    proxy.mode = 'stall';
    const download = app.app.request(pathOf(archive.url));
    await proxy.stalled;
    const fetching = async () => (await readdir(tmp)).filter((f) => f.startsWith('mirror-'));
    for (const end = Date.now() + 20_000; (await fetching()).length === 0 && Date.now() < end; )
      await new Promise((r) => setTimeout(r, 25));
    const inFlight = await fetching();
    assert.equal(inFlight.length, 1, `one temp file while the service fetches: ${inFlight.join(', ')}`);
    // Both files look abandoned for an hour (past any lease): only the one no fetch is using may go.
    const orphan = 'mirror-orphan-of-a-killed-server.zip';
    await writeFile(join(tmp, orphan), 'left by a killed server');
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const f of [...inFlight, orphan]) await utimes(join(tmp, f), hourAgo, hourAgo);
    await app.sweepTemp();
    assert.deepEqual(await fetching(), inFlight, 'the orphan is swept, the file being fetched is kept');
    proxy.resume();
    const res = await download;
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(`zh:${createHash('sha256').update(bytes).digest('hex')}`, archive.hashes[0]);
    const stored = createLayoutStore({ path: join(dir, 'store') });
    const repo = providerRepository('cache', UP, 'acme', 'widget');
    const tags = () => stored.listTags(repo).catch(() => [] as string[]);
    for (const end = Date.now() + 20_000; !(await tags()).includes('1.0.0') && Date.now() < end; )
      await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(await tags(), ['1.0.0'], 'the fetch the sweep left alone completed and was stored');
    // The fetch removes its temp file after the tag is written (src/mirror/fetch-platform.ts, finally).
    for (const end = Date.now() + 20_000; (await fetching()).length > 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(await fetching(), [], 'no temp file left');
  });
});
