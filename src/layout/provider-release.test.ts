// Building provider versions (provider-release.ts): byte-stable golden output, the shapes tofu needs, refusals,
// and indexes built from kept entries plus new ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_MANIFEST, type Descriptor } from '../oci/types.js';
import { parseMetadataManifest, parsePlatformManifest, parseProviderIndex, readProviderIndexEntries } from './provider-index.js';
import {
  buildPlatformManifest,
  buildProviderIndex,
  buildProviderRelease,
  defaultProviderFilename,
  providerIndexAnnotations,
  shasumsFilename,
} from './provider-release.js';
import type { ProviderReleaseInput } from './types.js';
import { blob, fixtures, layoutError, releaseInput, sha256 } from '../../test/support/layout-fixtures.js';

test('buildProviderRelease is byte-stable (golden files in test/fixtures/layout/golden-provider-release/)', () => {
  const built = buildProviderRelease(releaseInput());
  const files: Array<[string, Buffer]> = [
    ['index.json', built.index.bytes],
    ['metadata.json', built.metadataManifest.bytes],
    ...['darwin_arm64', 'linux_amd64', 'windows_386'].map((name, i): [string, Buffer] => [
      `${name}.json`,
      built.platformManifests[i]?.bytes ?? Buffer.alloc(0),
    ]),
  ];
  const dir = new URL('golden-provider-release/', fixtures);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dir, { recursive: true });
    for (const [name, bytes] of files) writeFileSync(new URL(name, dir), bytes);
  }
  for (const [name, bytes] of files) assert.equal(bytes.toString(), readFileSync(new URL(name, dir), 'utf8'), name);
  for (const m of [built.index, built.metadataManifest, ...built.platformManifests]) {
    assert.equal(m.descriptor.digest, `sha256:${sha256(m.bytes)}`);
    assert.equal(m.descriptor.size, m.bytes.length);
  }
  // Same release, platforms in another order: same bytes.
  const shuffled = releaseInput();
  shuffled.platforms.reverse();
  assert.equal(buildProviderRelease(shuffled).index.descriptor.digest, built.index.descriptor.digest);
});

test('buildProviderRelease writes Go field order and the shapes tofu needs', () => {
  const built = buildProviderRelease(releaseInput());
  const index = JSON.parse(built.index.bytes.toString());
  assert.deepEqual(Object.keys(index), ['schemaVersion', 'mediaType', 'artifactType', 'manifests', 'annotations']);
  assert.deepEqual(Object.keys(index.manifests[0]), ['mediaType', 'digest', 'size', 'annotations', 'platform', 'artifactType']);
  assert.deepEqual(Object.keys(index.manifests[0].platform), ['architecture', 'os']);
  assert.deepEqual(
    index.manifests.map((m: { platform?: { os: string } }) => m.platform?.os),
    ['darwin', 'linux', 'windows', undefined],
  );
  assert.equal(index.manifests[3].artifactType, 'application/vnd.tf-oci-registry.provider-metadata.v1');
  assert.deepEqual(index.annotations, {
    'io.tf-oci-registry.key-id': '7EFEE40784BD37C2',
    'io.tf-oci-registry.protocols': '5.0,6.0',
    'org.opencontainers.image.version': '1.2.3',
  });
  const linux = JSON.parse((built.platformManifests[1]?.bytes ?? Buffer.alloc(0)).toString());
  assert.deepEqual(Object.keys(linux), ['schemaVersion', 'mediaType', 'artifactType', 'config', 'layers']);
  assert.deepEqual(linux.config, {
    mediaType: 'application/vnd.oci.empty.v1+json',
    digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    size: 2,
    data: 'e30=',
  });
  assert.equal(linux.layers.length, 1);
  assert.deepEqual(Object.keys(linux.layers[0]), ['mediaType', 'digest', 'size', 'annotations', 'platform', 'artifactType']);
  assert.equal(linux.layers[0].annotations['org.opencontainers.image.title'], 'terraform-provider-foo_1.2.3_linux_amd64.zip');
});

test('buildProviderRelease output parses back', () => {
  const input = releaseInput();
  const built = buildProviderRelease(input);
  const index = parseProviderIndex(built.index.bytes, MEDIA_TYPE_IMAGE_INDEX);
  assert.deepEqual(index.problems, []);
  assert.deepEqual(
    index.platforms.map((p) => `${p.os}_${p.arch}`),
    ['darwin_arm64', 'linux_amd64', 'windows_386'],
  );
  assert.deepEqual(index.metadata, built.metadataManifest.descriptor);
  assert.deepEqual(index.protocols, ['5.0', '6.0']);
  assert.equal(index.keyId, '7EFEE40784BD37C2');
  assert.equal(index.version, '1.2.3');
  for (const [i, entry] of index.platforms.entries()) {
    const want = input.platforms.find((p) => p.os === entry.os && p.arch === entry.arch);
    assert.ok(want);
    assert.equal(entry.h1, want.h1);
    assert.equal(entry.filename, want.filename);
    assert.equal(entry.manifest.digest, built.platformManifests[i]?.descriptor.digest);
    const pkg = parsePlatformManifest(built.platformManifests[i]?.bytes ?? Buffer.alloc(0), entry.manifest.mediaType, entry);
    assert.equal(pkg.layer.digest, want.zip.digest);
    assert.equal(pkg.shasumHex, want.zip.digest.slice(7));
    assert.equal(pkg.h1, want.h1);
    assert.equal(pkg.filename, want.filename);
  }
  const meta = parseMetadataManifest(built.metadataManifest.bytes, MEDIA_TYPE_IMAGE_MANIFEST);
  assert.equal(meta.shasums.digest, input.shasums.blob.digest);
  assert.equal(meta.signature.digest, input.signature.digest);
  assert.equal(meta.publicKey.digest, input.publicKey.digest);
  assert.equal(meta.registryManifest?.digest, input.registryManifest?.digest);
  assert.equal(meta.shasumsFilename, 'terraform-provider-foo_1.2.3_SHA256SUMS');
});

test('buildProviderRelease refuses inputs tofu would reject', () => {
  const cases: Array<[string, (i: ProviderReleaseInput) => void, RegExp]> = [
    [
      'duplicate platform',
      (i) => {
        i.platforms.push({ ...(i.platforms[0] as ProviderReleaseInput['platforms'][0]) });
      },
      /windows_386 is listed twice/,
    ],
    [
      'no platform',
      (i) => {
        i.platforms = [];
      },
      /at least one platform/,
    ],
    [
      'bad key id',
      (i) => {
        i.keyId = '7efee40784bd37c2';
      },
      /key id/,
    ],
    [
      'bad h1',
      (i) => {
        (i.platforms[0] as { h1: string }).h1 = 'zh:abc';
      },
      /h1 hash of windows_386/,
    ],
    [
      'bad protocol',
      (i) => {
        i.protocols = ['5,6'];
      },
      /protocol version "5,6"/,
    ],
    [
      'uppercase type',
      (i) => {
        i.type = 'Foo';
      },
      /not normalized/,
    ],
    [
      'SHA256SUMS path',
      (i) => {
        i.shasums.filename = 'dist/SHA256SUMS';
      },
      /SHA256SUMS filename/,
    ],
  ];
  for (const [name, mutate, re] of cases) {
    const input = releaseInput();
    mutate(input);
    assert.throws(() => buildProviderRelease(input), layoutError('INVALID_INPUT', re), name);
  }
  const input = releaseInput();
  input.version = 'v1.2.3';
  assert.throws(() => buildProviderRelease(input), layoutError('INVALID_VERSION'));
});

test('release file names', () => {
  assert.equal(defaultProviderFilename('foo', '1.0.0', 'linux', 'amd64'), 'terraform-provider-foo_1.0.0_linux_amd64.zip');
  assert.equal(shasumsFilename('foo', '1.0.0+b'), 'terraform-provider-foo_1.0.0+b_SHA256SUMS');
});

test('buildProviderIndex: existing entries plus new ones give the bytes of the release built at once', () => {
  const input = releaseInput();
  const whole = buildProviderRelease(input);
  // Only the first platform stored (with the metadata entry), the others added later, in any order.
  const first = buildProviderRelease({ ...input, platforms: input.platforms.slice(0, 1) });
  const stored = readProviderIndexEntries(first.index.bytes, MEDIA_TYPE_IMAGE_INDEX);
  assert.equal(stored.platforms.length, 1);
  assert.equal(stored.metadata.length, 1);
  assert.deepEqual(stored.others, []);
  const merged = buildProviderIndex({
    platforms: [
      ...input.platforms
        .slice(1)
        .reverse()
        .map((p) => buildPlatformManifest(p).entry),
      ...stored.platforms,
    ],
    ...(stored.metadata[0] ? { metadata: stored.metadata[0] } : {}),
    annotations: stored.annotations,
  });
  assert.equal(merged.bytes.toString(), whole.index.bytes.toString());
  // Platform manifests built one by one are the release's.
  const sorted = [...input.platforms].sort((a, b) => (a.os < b.os ? -1 : 1));
  assert.deepEqual(
    sorted.map((p) => buildPlatformManifest(p).descriptor.digest),
    whole.platformManifests.map((m) => m.descriptor.digest),
  );
});

test('buildProviderIndex: mirror-only (no metadata), no key id, entries of other types kept before the metadata', () => {
  const input = releaseInput();
  const entries = input.platforms.map((p) => buildPlatformManifest(p).entry);
  const annotations = providerIndexAnnotations({ version: '1.2.3', protocols: [], mirroredFrom: 'registry.terraform.io' });
  assert.deepEqual(annotations, {
    'org.opencontainers.image.version': '1.2.3',
    'io.tf-oci-registry.mirrored-from': 'registry.terraform.io',
  });
  const other: Descriptor = { ...blob('sbom', MEDIA_TYPE_IMAGE_MANIFEST), artifactType: 'application/spdx+json' };
  const meta: Descriptor = {
    ...blob('meta', MEDIA_TYPE_IMAGE_MANIFEST),
    artifactType: 'application/vnd.tf-oci-registry.provider-metadata.v1',
  };
  const bare = buildProviderIndex({ platforms: entries, annotations });
  const parsed = parseProviderIndex(bare.bytes, MEDIA_TYPE_IMAGE_INDEX);
  assert.equal(parsed.metadata, undefined);
  assert.equal(parsed.keyId, undefined);
  assert.deepEqual(
    parsed.platforms.map((p) => `${p.os}_${p.arch}`),
    ['darwin_arm64', 'linux_amd64', 'windows_386'],
  );
  const full = JSON.parse(buildProviderIndex({ platforms: entries, others: [other], metadata: meta, annotations }).bytes.toString());
  assert.deepEqual(
    full.manifests.map((m: { artifactType: string }) => m.artifactType.split('/')[1]),
    [
      'vnd.opentofu.provider-target',
      'vnd.opentofu.provider-target',
      'vnd.opentofu.provider-target',
      'spdx+json',
      'vnd.tf-oci-registry.provider-metadata.v1',
    ],
  );
  assert.throws(() => buildProviderIndex({ platforms: [], annotations }), layoutError('INVALID_INPUT'));
});
