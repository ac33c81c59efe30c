// Release discovery in a GoReleaser dist/ directory: the release files found by name, GoReleaser's other
// outputs ignored, several releases told apart by --provider / --version, and what is missing named.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PublishError } from './api-error.js';
import { findProviderRelease, releaseFiles } from './release-directory.js';

describe('findProviderRelease', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'tfoci-release-dir-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function dir(name: string, files: string[], dirs: string[] = []): Promise<string> {
    const d = join(root, name);
    await mkdir(d, { recursive: true });
    for (const sub of dirs) await mkdir(join(d, sub), { recursive: true });
    for (const f of files) await writeFile(join(d, f), `content of ${f}`);
    return d;
  }

  const release = (v: string, type = 'widget') => [
    `terraform-provider-${type}_${v}_linux_amd64.zip`,
    `terraform-provider-${type}_${v}_darwin_arm64.zip`,
    `terraform-provider-${type}_${v}_manifest.json`,
    `terraform-provider-${type}_${v}_SHA256SUMS`,
    `terraform-provider-${type}_${v}_SHA256SUMS.sig`,
  ];

  it('finds the release in a GoReleaser dist/ and lists everything else as ignored', async () => {
    const d = await dir(
      'dist',
      [...release('1.2.0'), 'artifacts.json', 'metadata.json', 'config.yaml', 'checksums.txt'],
      ['widget_linux_amd64_v1'],
    );
    const r = await findProviderRelease(d);
    assert.equal(r.type, 'widget');
    assert.equal(r.version, '1.2.0');
    assert.deepEqual(
      r.zips.map((z) => `${z.os}_${z.arch}`),
      ['darwin_arm64', 'linux_amd64'],
    );
    assert.equal(r.manifest?.filename, 'terraform-provider-widget_1.2.0_manifest.json');
    assert.deepEqual(r.ignored, ['artifacts.json', 'checksums.txt', 'config.yaml', 'metadata.json', 'widget_linux_amd64_v1/']);
    assert.deepEqual(
      releaseFiles(r).map((f) => f.filename.replace('terraform-provider-widget_1.2.0_', '')),
      ['darwin_arm64.zip', 'linux_amd64.zip', 'manifest.json', 'SHA256SUMS', 'SHA256SUMS.sig'],
    );
    assert.equal(r.shasums.size, 'content of terraform-provider-widget_1.2.0_SHA256SUMS'.length);
  });

  it('several releases: refused unless --provider / --version choose one', async () => {
    const d = await dir('two', [...release('1.0.0'), ...release('1.1.0')]);
    await assert.rejects(findProviderRelease(d), (e: unknown) => {
      assert.ok(e instanceof PublishError && e.usage);
      assert.match(
        e.message,
        /several releases \(terraform-provider-widget_1\.0\.0, terraform-provider-widget_1\.1\.0\); choose one with --provider TYPE and --version VERSION/,
      );
      return true;
    });
    const r = await findProviderRelease(d, { version: '1.1.0' });
    assert.equal(r.version, '1.1.0');
    assert.ok(r.ignored.includes('terraform-provider-widget_1.0.0_SHA256SUMS'));
  });

  it('names what is missing: the checksum file, the signature, the zips', async () => {
    const none = await dir('none', ['artifacts.json']);
    await assert.rejects(findProviderRelease(none), /no terraform-provider-<type>_<version>_SHA256SUMS found/);
    const noSig = await dir(
      'nosig',
      release('1.0.0').filter((f) => !f.endsWith('.sig')),
    );
    await assert.rejects(findProviderRelease(noSig), /no terraform-provider-widget_1\.0\.0_SHA256SUMS\.sig; sign the checksum file/);
    const noZip = await dir(
      'nozip',
      release('1.0.0').filter((f) => !f.endsWith('.zip')),
    );
    await assert.rejects(findProviderRelease(noZip), /no terraform-provider-widget_1\.0\.0_<os>_<arch>\.zip files/);
    await assert.rejects(findProviderRelease(join(root, 'absent')), /absent: no such directory/);
  });

  it('a zip of the release with an unsupported platform is named, not silently left out', async () => {
    const d = await dir('mips', [...release('1.0.0'), 'terraform-provider-widget_1.0.0_linux_mips.zip']);
    await assert.rejects(findProviderRelease(d), /terraform-provider-widget_1\.0\.0_linux_mips\.zip: unsupported arch "mips"/);
  });
});
