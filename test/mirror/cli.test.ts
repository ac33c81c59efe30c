// The `mirror` command as users run it (a child process, `tf-oci-registry mirror …`), against a real
// upstream registry on loopback: import into an image-layout store, idempotent re-runs, --dry-run, a lock
// file's exact versions and hashes, bad input, and the air-gap round trip (import the carried layout
// directory into another store with the upstream stopped, then serve it).
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { providerRepository } from '../../src/layout/names.js';
import { createLayoutStore } from '../../src/oci/layout-store.js';
import { requireTool } from '../support/distribution.js';
import { buildTestApp } from '../support/test-app.js';
import { startUpstream, type Upstream } from './support.js';

const HOST = 'upstream.example.test';
const tools = requireTool('zip');

describe('tf-oci-registry mirror (command line)', tools, () => {
  let upstream: Upstream;
  let dir: string;
  let config: string;
  let dataDir: string;

  before(async () => {
    upstream = await startUpstream(HOST);
    await upstream.publish('widget', '1.0.0', [
      { os: 'linux', arch: 'amd64' },
      { os: 'linux', arch: 'arm64' },
    ]);
    await upstream.publish('widget', '1.1.0', [{ os: 'linux', arch: 'amd64' }]);
    await upstream.publish('widget', '2.0.0', [{ os: 'linux', arch: 'amd64' }]);
    dir = await mkdtemp(join(tmpdir(), 'tfoci-mirror-cli-'));
    dataDir = join(dir, 'connected');
    config = join(dir, 'connected.toml');
    await writeFile(
      config,
      `[storage]\nkind = "layout"\npath = "${dataDir}"\nprefix = "tf"\n\n[[mirror.upstream]]\nhostname = "${HOST}"\nurl = "${upstream.url}"\n`,
    );
  });
  after(async () => {
    await upstream?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const tags = async (path: string, type = 'widget') =>
    createLayoutStore({ path })
      .listTags(providerRepository('tf', HOST, 'acme', type))
      .then((t) => t.sort())
      .catch(() => [] as string[]);

  it('--dry-run says what it would import and imports nothing', async () => {
    const r = await runCli(['mirror', `${HOST}/acme/widget`, '--version', '~> 1.0', '--dry-run', '--config', config]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /PROVIDER\s+VERSION\s+PLATFORM\s+RESULT/);
    assert.match(r.stdout, /upstream\.example\.test\/acme\/widget\s+1\.1\.0\s+linux_amd64\s+planned/);
    assert.match(r.stdout, /dry run: 1 to import, 0 already stored, 0 failed/);
    assert.deepEqual(await tags(dataDir), []);
  });

  it('imports the newest matching version, every platform, verified; a re-run skips it', async () => {
    const r = await runCli(['mirror', `${HOST}/acme/widget`, '--version', '~> 1.0', '--config', config]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /1\.1\.0\s+linux_amd64\s+imported/);
    assert.match(r.stdout, /1 imported, 0 already stored, 0 failed/);
    assert.match(
      r.stderr,
      /mirror: imported upstream\.example\.test\/acme\/widget 1\.1\.0 linux_amd64/,
      'plain progress lines when not a terminal',
    );
    assert.deepEqual(await tags(dataDir), ['1.1.0']);
    const again = await runCli(['mirror', `${HOST}/acme/widget`, '--version', '~> 1.0', '--config', config]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /0 imported, 1 already stored, 0 failed/);
  });

  it('imports exactly the versions and platforms a lock file names, checked against its hashes', async () => {
    const doc = (await (await fetch(`${upstream.url}v1/providers/acme/widget/1.0.0/download/linux/arm64`)).json()) as { shasum: string };
    const lock = join(dir, '.terraform.lock.hcl');
    await writeFile(
      lock,
      `provider "${HOST}/acme/widget" {\n  version     = "1.0.0"\n  constraints = "1.0.0"\n  hashes = [\n    "zh:${doc.shasum}",\n  ]\n}\n`,
    );
    const r = await runCli(['mirror', '--lock-file', lock, '--config', config]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /1\.0\.0\s+linux_arm64\s+imported/);
    assert.doesNotMatch(r.stdout, /1\.0\.0\s+linux_amd64/, 'only the platform the lock file names');
    assert.deepEqual(await tags(dataDir), ['1.0.0', '1.1.0']);
    // A lock file whose hash no package has: refused, nothing stored, exit 1.
    await writeFile(lock, `provider "${HOST}/acme/widget" {\n  version = "2.0.0"\n  hashes = ["zh:${'0'.repeat(64)}"]\n}\n`);
    const bad = await runCli(['mirror', '--lock-file', lock, '--config', config]);
    assert.equal(bad.code, 1, bad.stdout);
    assert.match(bad.stdout, /no platform of .* matches the lock file's zh: hashes/);
    // The platform named explicitly: still checked against the lock file, and refused.
    const named = await runCli(['mirror', '--lock-file', lock, '--platform', 'linux_amd64', '--config', config]);
    assert.equal(named.code, 1, named.stdout);
    assert.match(named.stdout, /2\.0\.0\s+linux_amd64\s+failed\s+.*matches no hash of the lock file/);
    assert.deepEqual(await tags(dataDir), ['1.0.0', '1.1.0']);
  });

  it('says what is wrong with bad input: exit 2 for usage, 1 for a provider the upstream lacks', async () => {
    const none = await runCli(['mirror', '--config', config]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /name at least one provider address/);
    const badAddr = await runCli(['mirror', 'not/an/address/at/all', '--config', config]);
    assert.equal(badAddr.code, 2);
    assert.match(badAddr.stderr, /expected "namespace\/type" or "hostname\/namespace\/type"/);
    const badPlatform = await runCli(['mirror', `${HOST}/acme/widget`, '--platform', 'linux', '--config', config]);
    assert.equal(badPlatform.code, 2);
    assert.match(badPlatform.stderr, /expected "<os>_<arch>"/);
    const missing = await runCli(['mirror', `${HOST}/acme/nothing`, '--config', config]);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /error: upstream\.example\.test\/acme\/nothing: /);
  });

  it("--service imports into that mirror service's own store; an unknown name is a usage error", async () => {
    const serviceDir = join(dir, 'team-a');
    const withService = join(dir, 'with-service.toml');
    await writeFile(
      withService,
      `[storage]\nkind = "layout"\npath = "${join(dir, 'main-unused')}"\nprefix = "tf"
[[mirror.service]]\nname = "team-a"\nbase_path = "/mirrors/team-a/"\npath = "${serviceDir}"\nprefix = "tf"
[[mirror.service.upstream]]\nhostname = "${HOST}"\nurl = "${upstream.url}"\n`,
    );
    const r = await runCli(['mirror', `${HOST}/acme/widget`, '--version', '2.0.0', '--service', 'team-a', '--config', withService]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /2\.0\.0\s+linux_amd64\s+imported/);
    assert.deepEqual(await tags(serviceDir), ['2.0.0']);
    assert.deepEqual(await tags(join(dir, 'main-unused')), [], 'nothing in [storage]');
    const unknown = await runCli(['mirror', `${HOST}/acme/widget`, '--service', 'team-z', '--config', withService]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--service team-z: no \[\[mirror\.service\]\] of that name in the configuration \(configured: team-a\)/);
  });

  it('carries the layout directory across an air gap: import it with the upstream stopped, verified again, then serve it', async () => {
    const isolated = join(dir, 'isolated');
    const isolatedConfig = join(dir, 'isolated.toml');
    await writeFile(isolatedConfig, `[storage]\nkind = "layout"\npath = "${isolated}"\nprefix = "tf"\n`);
    await upstream.stop();
    try {
      const r = await runCli(['mirror', '--from-layout', dataDir, '--config', isolatedConfig]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /2 imported, 0 already stored, 0 failed/);
      assert.deepEqual(await tags(isolated), ['1.0.0', '1.1.0']);
      const again = await runCli(['mirror', '--from-layout', dataDir, '--config', isolatedConfig]);
      assert.match(again.stdout, /0 imported, 2 already stored, 0 failed/);
      // The isolated store serves the providers (signed: providers.v1 too) without any upstream.
      const served = buildTestApp(createLayoutStore({ path: isolated }), { publicUrl: `https://${HOST}/` });
      const doc = await served.app.request(`/mirror/${HOST}/acme/widget/1.0.0.json`);
      assert.equal(doc.status, 200);
      assert.deepEqual(Object.keys(((await doc.json()) as { archives: object }).archives), ['linux_arm64']);
      const v1 = await served.app.request('/v1/providers/acme/widget/1.1.0/download/linux/amd64');
      assert.equal(v1.status, 200, await v1.text());
    } finally {
      await upstream.start();
    }
  });
});
