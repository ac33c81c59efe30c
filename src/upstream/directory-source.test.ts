// Mirror-directory source over a temp dir laid out like `terraform providers mirror DIR` output.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { zipH1 } from '../verify/zip-inspect.js';
import { generateKey, makeRelease, sha256, type FixtureRelease } from '../../test/upstream/fixtures.js';
import { createDirectorySource } from './directory-source.js';
import { isUpstreamError, type UpstreamErrorCode } from './errors.js';
import type { UpstreamPackage } from './types.js';
import { checkPackageFile } from './verify-release.js';

const code = (c: UpstreamErrorCode, re?: RegExp) => (e: unknown) => isUpstreamError(e, c) && (re === undefined || re.test(e.message));
const addr = { hostname: 'registry.terraform.io', namespace: 'hashicorp', type: 'widget' };
const sink = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

describe('mirror directory source', () => {
  let root: string;
  let release: FixtureRelease;
  let providerDir: string;
  const h1 = new Map<string, string>();

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'upstream-dir-'));
    providerDir = join(root, 'registry.terraform.io', 'hashicorp', 'widget');
    await mkdir(providerDir, { recursive: true });
    release = await makeRelease(
      'widget',
      '2.0.0',
      [
        ['linux', 'amd64'],
        ['darwin', 'arm64'],
      ],
      await generateKey(),
    );
    const archives: Record<string, unknown> = {};
    for (const z of release.zips) {
      const path = join(providerDir, z.filename);
      await writeFile(path, z.bytes);
      h1.set(z.filename, await zipH1(path));
      archives[`${z.os}_${z.arch}`] = { url: z.filename, hashes: [h1.get(z.filename)] };
    }
    // Exactly what `terraform providers mirror` writes beside the zips.
    await writeFile(join(providerDir, 'index.json'), JSON.stringify({ versions: { '2.0.0': {} } }, null, 2));
    await writeFile(join(providerDir, '2.0.0.json'), JSON.stringify({ archives }, null, 2));
    // A version in the unpacked layout, and files that are not packages.
    await mkdir(join(providerDir, '1.0.0', 'linux_amd64'), { recursive: true });
    await writeFile(join(providerDir, '1.0.0', 'linux_amd64', 'terraform-provider-widget_v1.0.0'), '#!/bin/sh\n');
    await writeFile(join(providerDir, 'terraform-provider-other_1.0.0_linux_amd64.zip'), 'x');
    await writeFile(join(providerDir, 'README.txt'), 'x');
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('lists packed and unpacked versions; reads a packed release with h1 hashes from the JSON index', async () => {
    const src = createDirectorySource({ root });
    assert.equal(src.describe, `mirror directory ${root}`);
    assert.deepEqual(await src.listVersions(addr), [
      { version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }] },
      {
        version: '2.0.0',
        platforms: [
          { os: 'darwin', arch: 'arm64' },
          { os: 'linux', arch: 'amd64' },
        ],
      },
    ]);
    const got = await src.getRelease(addr, '2.0.0', { platforms: [{ os: 'linux', arch: 'amd64' }] });
    assert.equal(got.shasums, undefined);
    const pkg = got.platforms[0] as UpstreamPackage;
    const zip = release.zips[0] as FixtureRelease['zips'][number];
    assert.deepEqual(pkg, {
      os: 'linux',
      arch: 'amd64',
      filename: zip.filename,
      hashes: [h1.get(zip.filename)],
      size: zip.bytes.length,
      location: join(providerDir, zip.filename),
    });
    assert.deepEqual(await checkPackageFile(pkg.location as string, pkg), { sha256: zip.sha256, h1: h1.get(zip.filename) });
    const parts: Buffer[] = [];
    await pipeline(
      (await src.openPackage(addr, '2.0.0', pkg)).stream,
      new Writable({
        write(c: Buffer, _e, cb) {
          parts.push(c);
          cb();
        },
      }),
    );
    assert.equal(sha256(Buffer.concat(parts)), zip.sha256);
  });

  test('a zip altered on disk: h1 check and a known sha256 both catch it', async () => {
    const src = createDirectorySource({ root });
    const z = release.zips[1] as FixtureRelease['zips'][number];
    const pkg = (await src.getRelease(addr, '2.0.0', { platforms: [{ os: z.os, arch: z.arch }] })).platforms[0] as UpstreamPackage;
    const altered = (release.zips[0] as FixtureRelease['zips'][number]).bytes; // another valid zip in its place
    await writeFile(join(providerDir, z.filename), altered);
    try {
      await assert.rejects(checkPackageFile(pkg.location as string, pkg), code('CHECKSUM_MISMATCH', /h1 hash is h1:.*, expected h1:/));
      await assert.rejects(
        pipeline((await src.openPackage(addr, '2.0.0', { ...pkg, sha256: z.sha256 })).stream, sink()),
        code('CHECKSUM_MISMATCH'),
      );
    } finally {
      await writeFile(join(providerDir, z.filename), z.bytes);
    }
  });

  test('unpacked layout -> UNSUPPORTED; unknown provider/version -> NOT_FOUND; platform -> PLATFORM_MISSING', async () => {
    const src = createDirectorySource({ root });
    await assert.rejects(src.getRelease(addr, '1.0.0'), code('UNSUPPORTED', /unpacked layout .* holds no release zip/));
    await assert.rejects(src.getRelease(addr, '3.0.0'), code('NOT_FOUND', /widget 3\.0\.0 is not in the mirror directory/));
    await assert.rejects(
      src.listVersions({ ...addr, namespace: 'nobody' }),
      code('NOT_FOUND', /nobody\/widget is not in the mirror directory/),
    );
    await assert.rejects(src.getRelease(addr, '2.0.0', { platforms: [{ os: 'windows', arch: 'amd64' }] }), code('PLATFORM_MISSING'));
    await writeFile(join(providerDir, '2.0.0.json'), '{"archives": {"linux": {}}}');
    await assert.rejects(src.getRelease(addr, '2.0.0'), code('BAD_RESPONSE', /archive key "linux" is not "<os>_<arch>"/));
  });
});
