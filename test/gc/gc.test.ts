// Space reclamation of the image-layout store with real bytes: releases of several MB published through
// the publishing API, a version deleted, then `tf-oci-registry gc` (a child process, as an operator runs
// it) brings the disk usage back down while every other version still downloads byte for byte; a delete
// on a store whose blobs are past the grace period gives the space back at once; and gc running in a loop
// while versions are published loses none of their blobs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collectLayoutGarbage } from '../../src/oci/layout-store/gc.js';
import { listLayoutRepositories } from '../../src/oci/layout-store/list-repositories.js';
import { createLayoutStore } from '../../src/oci/layout-store.js';
import { runCli } from '../support/cli.js';
import { requireTool } from '../support/distribution.js';
import { publishHarness, type Harness } from '../publish/harness.js';
import { generatePgpKey, type PgpKey } from '../publish/pgp.js';
import { buildRelease, entriesOf, sha256Hex, tarGz, type BuiltRelease } from '../publish/release-fixture.js';

const tools = requireTool('zip');
const PLATFORMS = [
  { os: 'linux', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' },
];
const MiB = 1024 * 1024;

/** Bytes on disk under `dir` (allocated blocks, each inode once: hard-linked blobs count once). */
async function diskUsage(dir: string): Promise<number> {
  const seen = new Set<number>();
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else {
        const s = await stat(p);
        if (!seen.has(s.ino)) {
          seen.add(s.ino);
          total += s.blocks * 512;
        }
      }
    }
  };
  await walk(dir);
  return total;
}

interface Published {
  versionId: string;
  release: BuiltRelease;
}

async function publishVersion(
  h: Harness,
  key: PgpKey,
  ids: { keyId: string; providerId: string },
  version: string,
  bigMiB = 2,
): Promise<Published> {
  const created = await h.api.createVersion(ids.providerId, ids.keyId, version);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  // Random base64 text: about 3/4 of it survives zip compression, so each zip holds real bytes.
  const release = await buildRelease({
    type: 'widget',
    version,
    platforms: PLATFORMS,
    sign: (d) => key.sign(d),
    zipExtras: { 'README.md': randomBytes(bigMiB * MiB).toString('base64') },
  });
  const up = await h.api.put(created.body.data.links.upload, await tarGz(entriesOf(release)));
  assert.equal(up.status, 200, JSON.stringify(up.body));
  return { versionId: created.body.data.id as string, release };
}

/** Downloads every platform zip of a version through providers.v1 and checks its bytes. */
async function assertServed(h: Harness, p: Published, version: string): Promise<void> {
  for (const { os, arch } of PLATFORMS) {
    const res = await h.app.request(`/v1/providers/acme/widget/${version}/download/${os}/${arch}`);
    assert.equal(res.status, 200, `${version} ${os}_${arch}: ${await res.clone().text()}`);
    const meta = (await res.json()) as { download_url: string; filename: string };
    const zip = Buffer.from(await (await h.app.request(new URL(meta.download_url).pathname)).arrayBuffer());
    assert.equal(sha256Hex(zip), sha256Hex(p.release.files.get(meta.filename)!), `${version} ${os}_${arch} byte for byte`);
  }
}

describe('gc of the image-layout store', tools, () => {
  let key: PgpKey;
  let dir: string;
  before(async () => {
    key = await generatePgpKey();
    dir = await mkdtemp(join(tmpdir(), 'tfoci-gc-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function setup(name: string, gcGraceMs?: number) {
    const path = join(dir, name);
    const store = createLayoutStore({ path, ...(gcGraceMs !== undefined ? { gcGraceMs } : {}) });
    const h = publishHarness(store);
    const keyId = await h.api.createKey('acme', 'release key', key.armoredPublic);
    const providerId = await h.api.createProvider('acme', 'widget');
    const config = join(dir, `${name}.toml`);
    await writeFile(config, `[storage]\nkind = "layout"\npath = "${path}"\nprefix = "tf"\n`);
    return { path, h, ids: { keyId, providerId }, config };
  }

  it('publish 3 versions, delete one, gc: the disk usage goes down by that version, the others download byte for byte', async () => {
    const { path, h, ids, config } = await setup('cli');
    const v1 = await publishVersion(h, key, ids, '1.0.0');
    const v2 = await publishVersion(h, key, ids, '1.1.0');
    const v3 = await publishVersion(h, key, ids, '1.2.0');
    const full = await diskUsage(path);
    const zipBytes = PLATFORMS.reduce(
      (n, { os, arch }) => n + v2.release.files.get(`terraform-provider-widget_1.1.0_${os}_${arch}.zip`)!.length,
      0,
    );
    assert.ok(zipBytes > 2 * MiB, `zips of 1.1.0: ${zipBytes} bytes`);

    assert.equal((await h.api.delete(`/api/v1/provider-versions/${v2.versionId}`)).status, 204);
    const afterDelete = await diskUsage(path);
    assert.ok(full - afterDelete < zipBytes / 2, 'the zips just published are within the grace period: kept by the delete');

    const young = await runCli(['gc', '--config', config]);
    assert.equal(young.code, 0, young.stderr);
    assert.match(young.stdout, /removed 0 blob\(s\).* unused but younger than the grace period \(3600 s\)/);

    const dry = await runCli(['gc', '--dry-run', '--grace-period', '0', '--config', config]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^tf\/providers\/registry\.example\.test\/acme\/widget: would remove \d+ blob\(s\)/m);
    assert.equal(await diskUsage(path), afterDelete, 'a dry run removes nothing');

    const run = await runCli(['gc', '--grace-period', '0', '--config', config]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /gc .*: \d+ repositories, removed \d+ blob\(s\) \(\d+\.\d MiB\)/);
    const reclaimed = afterDelete - (await diskUsage(path));
    assert.ok(reclaimed >= zipBytes, `reclaimed ${reclaimed} bytes, the deleted zips were ${zipBytes}`);
    assert.ok(reclaimed < zipBytes + MiB, `reclaimed ${reclaimed} bytes: no more than the deleted version`);

    await assertServed(h, v1, '1.0.0');
    await assertServed(h, v3, '1.2.0');
    const versions = (await (await h.app.request('/v1/providers/acme/widget/versions')).json()) as { versions: { version: string }[] };
    assert.deepEqual(versions.versions.map((v) => v.version).sort(), ['1.0.0', '1.2.0']);

    const again = await runCli(['gc', '--grace-period', '0', '--json', '--config', config]);
    assert.equal(JSON.parse(again.stdout).blobsRemoved, 0, 'a second run finds nothing');
  });

  it('deleting a version gives its space back at once when its blobs are past the grace period', async () => {
    const { path, h, ids } = await setup('on-delete', 0);
    const v1 = await publishVersion(h, key, ids, '2.0.0');
    const v2 = await publishVersion(h, key, ids, '2.1.0');
    const full = await diskUsage(path);
    assert.equal((await h.api.delete(`/api/v1/provider-versions/${v2.versionId}`)).status, 204);
    const freed = full - (await diskUsage(path));
    assert.ok(freed > 2 * MiB, `freed ${freed} bytes on delete`);
    await assertServed(h, v1, '2.0.0');
    // The same version published again after its delete is served again.
    const again = await publishVersion(h, key, ids, '2.1.0');
    await assertServed(h, again, '2.1.0');
  });

  it('gc running in a loop while versions are published loses no blob of theirs', async () => {
    const { path, h, ids } = await setup('concurrent');
    let stop = false;
    let rounds = 0;
    const loop = (async () => {
      while (!stop) {
        await collectLayoutGarbage(path, { graceMs: 60_000, now: Date.now() }, (r) => listLayoutRepositories(r, ''));
        rounds++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const published: [string, Published][] = [];
    try {
      for (const v of ['3.0.0', '3.1.0', '3.2.0']) published.push([v, await publishVersion(h, key, ids, v, 1)]);
    } finally {
      stop = true;
      await loop;
    }
    assert.ok(rounds > 3, `gc ran ${rounds} times during the publishes`);
    for (const [v, p] of published) await assertServed(h, p, v);
  });

  it('refuses a registry store and a bad grace period', async () => {
    const config = join(dir, 'registry.toml');
    await writeFile(config, '[storage]\nkind = "registry"\nurl = "https://registry.invalid"\n');
    const r = await runCli(['gc', '--config', config]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is a registry: run its own garbage collection/);
    const layout = join(dir, 'bad.toml');
    await writeFile(layout, `[storage]\nkind = "layout"\npath = "${join(dir, 'bad')}"\n`);
    const bad = await runCli(['gc', '--grace-period', 'soon', '--config', layout]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--grace-period: expected seconds/);
  });
});
