import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import {
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_IMAGE_INDEX,
  MEDIA_TYPE_IMAGE_MANIFEST,
  parseDigest,
  type Descriptor,
} from '../oci/types.js';
import { isLayoutError, type LayoutErrorCode } from './errors.js';
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

const fixtures = new URL('../../test/fixtures/layout/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, fixtures));
const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const blob = (content: string, mediaType = 'application/octet-stream'): Descriptor => ({
  mediaType,
  digest: parseDigest(`sha256:${sha256(content)}`),
  size: Buffer.byteLength(content),
});
const h1Of = (s: string): string => `h1:${createHash('sha256').update(s).digest('base64')}`;
const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const layoutError =
  (code: LayoutErrorCode, re?: RegExp) =>
  (e: unknown): boolean =>
    isLayoutError(e, code) && (re === undefined || re.test(e.message));

/** A fixed release; platforms deliberately out of order. */
function releaseInput(): ProviderReleaseInput {
  const platform = (os: string, arch: string) => ({
    os,
    arch,
    filename: defaultProviderFilename('foo', '1.2.3', os, arch),
    zip: blob(`zip ${os} ${arch}`),
    h1: h1Of(`h1 ${os} ${arch}`),
  });
  return {
    type: 'foo',
    version: '1.2.3',
    protocols: ['5.0', '6.0'],
    keyId: '7EFEE40784BD37C2',
    platforms: [platform('windows', '386'), platform('linux', 'amd64'), platform('darwin', 'arm64')],
    shasums: { filename: shasumsFilename('foo', '1.2.3'), blob: blob('sums') },
    signature: blob('sig'),
    publicKey: blob('key'),
    registryManifest: blob('{"version":1}'),
  };
}

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

test("OpenTofu's e2e fixture (docs/design/protocols.md §1.9 (a)) parses", () => {
  const bytes = fixture('opentofu-e2e-provider-index.json');
  assert.equal(sha256(bytes), '16eb63231a08ad735691df2ecab728316b2598b819d0b74515fd1973454f9000');
  const index = parseProviderIndex(bytes, MEDIA_TYPE_IMAGE_INDEX);
  assert.deepEqual(
    index.platforms.map((p) => `${p.os}_${p.arch}`),
    ['darwin_arm64', 'linux_amd64', 'linux_arm64', 'windows_amd64', 'windows_arm64'],
  );
  const linux = index.platforms[1];
  assert.equal(linux?.manifest.digest, 'sha256:4f63835dc7bf2efd79c82a1a9dbeed999e4803c33c2bac58fec1fe49f8fa7f31');
  assert.equal(linux?.manifest.size, 535);
  assert.equal(linux?.h1, undefined);
  assert.equal(index.metadata, undefined);
  assert.ok(index.problems.some((p) => p.startsWith('no signature metadata')));
  assert.ok(index.problems.some((p) => p.startsWith('no protocol versions')));
  assert.ok(index.problems.some((p) => p.startsWith('no h1 hash recorded for darwin_arm64, linux_amd64')));

  const manifest = fixture('opentofu-e2e-provider-manifest-linux-amd64.json');
  assert.equal(sha256(manifest), '4f63835dc7bf2efd79c82a1a9dbeed999e4803c33c2bac58fec1fe49f8fa7f31');
  const pkg = parsePlatformManifest(manifest, MEDIA_TYPE_IMAGE_MANIFEST, { os: 'linux', arch: 'amd64' });
  assert.equal(pkg.shasumHex, '11aa47eb05d2bac7eb9c27fdbf1447152c4f07c814a24db86c24339253db1534');
  assert.equal(pkg.layer.size, 268);
  assert.equal(pkg.filename, undefined);
  // Its layer carries a platform: selecting it for another platform is the error tofu reports.
  assert.throws(
    () => parsePlatformManifest(manifest, MEDIA_TYPE_IMAGE_MANIFEST, { os: 'darwin', arch: 'arm64' }),
    layoutError('PLATFORM_MISMATCH', /is for linux_amd64, but was selected for darwin_arm64/),
  );
});

test('the ORAS recipe (docs/design/protocols.md §1.9 (b)) parses', () => {
  const bytes = fixture('oras-provider-index.json');
  assert.equal(sha256(bytes), '2226939b2799f95b83d400af8732ceb66537288bfe840dffbe37b591fc1d5435');
  const index = parseProviderIndex(bytes, MEDIA_TYPE_IMAGE_INDEX);
  assert.deepEqual(
    index.platforms.map((p) => `${p.os}_${p.arch}`),
    ['linux_amd64'],
  );
  const manifest = fixture('oras-provider-manifest-linux-amd64.json');
  assert.equal(`sha256:${sha256(manifest)}`, index.platforms[0]?.manifest.digest);
  const pkg = parsePlatformManifest(manifest, MEDIA_TYPE_IMAGE_MANIFEST, { os: 'linux', arch: 'amd64' });
  assert.equal(pkg.filename, 'terraform-provider-foo_1.0.0_linux_amd64.zip');
  assert.equal(pkg.shasumHex, '11aa47eb05d2bac7eb9c27fdbf1447152c4f07c814a24db86c24339253db1534');
});

/** The e2e fixture index as an object, to derive broken variants from. */
const e2eIndex = (): { mediaType?: string; artifactType?: string; manifests: Array<Record<string, unknown>> } =>
  JSON.parse(fixture('opentofu-e2e-provider-index.json').toString());

test('parseProviderIndex refuses what tofu refuses', () => {
  const good = fixture('opentofu-e2e-provider-index.json');
  const variant = (mutate: (i: ReturnType<typeof e2eIndex>) => void): Buffer => {
    const i = e2eIndex();
    mutate(i);
    return json(i);
  };
  const cases: Array<[string, Buffer, string, LayoutErrorCode, RegExp]> = [
    ['docker manifest list', good, MEDIA_TYPE_DOCKER_MANIFEST_LIST, 'UNSUPPORTED_MEDIA_TYPE', /Docker manifest list/],
    ['image manifest under the tag', good, MEDIA_TYPE_IMAGE_MANIFEST, 'UNSUPPORTED_MEDIA_TYPE', /directly to an image manifest/],
    [
      'module package',
      variant((i) => {
        i.artifactType = 'application/vnd.opentofu.modulepkg';
      }),
      MEDIA_TYPE_IMAGE_INDEX,
      'WRONG_ARTIFACT_TYPE',
      /is an OpenTofu module package, not a provider/,
    ],
    [
      'no artifactType',
      variant((i) => {
        delete i.artifactType;
      }),
      MEDIA_TYPE_IMAGE_INDEX,
      'WRONG_ARTIFACT_TYPE',
      /artifactType null/,
    ],
    [
      'no mediaType field',
      variant((i) => {
        delete i.mediaType;
      }),
      MEDIA_TYPE_IMAGE_INDEX,
      'MALFORMED',
      /no "mediaType" field/,
    ],
    ['not JSON', Buffer.from('{"schemaVersion":2,'), MEDIA_TYPE_IMAGE_INDEX, 'MALFORMED', /not valid JSON/],
    ['JSON array', Buffer.from('[]'), MEDIA_TYPE_IMAGE_INDEX, 'MALFORMED', /not a JSON object/],
    [
      'target entry not an image manifest',
      variant((i) => {
        (i.manifests[0] as Record<string, unknown>).mediaType = MEDIA_TYPE_IMAGE_INDEX;
      }),
      MEDIA_TYPE_IMAGE_INDEX,
      'MALFORMED',
      /manifests\[0\]: provider image manifest has unsupported media type/,
    ],
    [
      'target entry without platform',
      variant((i) => {
        delete (i.manifests[1] as Record<string, unknown>).platform;
      }),
      MEDIA_TYPE_IMAGE_INDEX,
      'MALFORMED',
      /manifests\[1\]: provider image manifest lacks the required platform/,
    ],
    [
      'sha512 digest',
      variant((i) => {
        (i.manifests[0] as Record<string, unknown>).digest = `sha512:${'a'.repeat(128)}`;
      }),
      MEDIA_TYPE_IMAGE_INDEX,
      'UNSUPPORTED_DIGEST',
      /sha512/,
    ],
    [
      'size not an integer',
      variant((i) => {
        (i.manifests[0] as Record<string, unknown>).size = '536';
      }),
      MEDIA_TYPE_IMAGE_INDEX,
      'MALFORMED',
      /"size"/,
    ],
  ];
  for (const [name, bytes, mediaType, code, re] of cases) {
    assert.throws(() => parseProviderIndex(bytes, mediaType), layoutError(code, re), name);
  }
});

test('parseProviderIndex: os.version, duplicates and foreign entries', () => {
  const i = e2eIndex();
  const [darwin, linux] = i.manifests as [Record<string, unknown>, Record<string, unknown>];
  i.manifests.push({ ...linux, digest: `sha256:${'1'.repeat(64)}`, platform: { architecture: 'amd64', os: 'linux', variant: 'v2' } });
  i.manifests.push({
    ...darwin,
    digest: `sha256:${'2'.repeat(64)}`,
    platform: { architecture: 'amd64', os: 'darwin', 'os.version': '14' },
  });
  i.manifests.push({
    mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
    digest: 'not-a-digest',
    size: 1,
    artifactType: 'application/vnd.cncf.notary.signature',
  });
  i.manifests.push({
    mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
    digest: `sha256:${'3'.repeat(64)}`,
    size: 1,
    platform: { architecture: 'amd64', os: 'plan9' },
  });
  const index = parseProviderIndex(json(i), MEDIA_TYPE_IMAGE_INDEX);
  assert.deepEqual(
    index.platforms.map((p) => `${p.os}_${p.arch}`),
    ['darwin_arm64', 'linux_arm64', 'windows_amd64', 'windows_arm64'],
  );
  assert.ok(
    index.problems.some((p) => /^linux_amd64 has 2 entries .*ambiguous/.test(p)),
    index.problems.join('\n'),
  );
  assert.ok(index.problems.some((p) => /\(darwin_amd64\) sets os\.version/.test(p)));
});

test('parsePlatformManifest: layer selection rules (docs/design/protocols.md §1.5)', () => {
  const base = JSON.parse(fixture('opentofu-e2e-provider-manifest-linux-amd64.json').toString());
  const zip = base.layers[0];
  const other = { mediaType: 'text/plain', digest: `sha256:${'4'.repeat(64)}`, size: 3 };
  const withLayers = (layers: unknown[], extra: Record<string, unknown> = {}): Buffer => json({ ...base, ...extra, layers });
  const linux = { os: 'linux', arch: 'amd64' };
  assert.equal(parsePlatformManifest(withLayers([other, zip, other]), MEDIA_TYPE_IMAGE_MANIFEST, linux).layer.digest, zip.digest);
  const cases: Array<[string, Buffer, string, LayoutErrorCode, RegExp]> = [
    ['no zip', withLayers([other]), MEDIA_TYPE_IMAGE_MANIFEST, 'NO_PACKAGE', /no layer of type "archive\/zip"/],
    ['no layers', withLayers([]), MEDIA_TYPE_IMAGE_MANIFEST, 'NO_PACKAGE', /no layer/],
    [
      'two zips',
      withLayers([zip, { ...zip, digest: `sha256:${'5'.repeat(64)}` }]),
      MEDIA_TYPE_IMAGE_MANIFEST,
      'AMBIGUOUS',
      /2 "archive\/zip" layers/,
    ],
    [
      'sha512 zip',
      withLayers([{ ...zip, digest: `sha512:${'a'.repeat(128)}` }]),
      MEDIA_TYPE_IMAGE_MANIFEST,
      'UNSUPPORTED_DIGEST',
      /sha512/,
    ],
    [
      'module artifactType',
      withLayers([zip], { artifactType: 'application/vnd.opentofu.modulepkg' }),
      MEDIA_TYPE_IMAGE_MANIFEST,
      'WRONG_ARTIFACT_TYPE',
      /modulepkg/,
    ],
    [
      'served as an index',
      withLayers([zip]),
      MEDIA_TYPE_IMAGE_INDEX,
      'UNSUPPORTED_MEDIA_TYPE',
      /expected application\/vnd\.oci\.image\.manifest/,
    ],
  ];
  for (const [name, bytes, mediaType, code, re] of cases) {
    assert.throws(() => parsePlatformManifest(bytes, mediaType, linux), layoutError(code, re), name);
  }
});

test('parseMetadataManifest: required layers', () => {
  const built = buildProviderRelease(releaseInput());
  const base = JSON.parse(built.metadataManifest.bytes.toString());
  const without = (mediaType: string): Buffer =>
    json({ ...base, layers: base.layers.filter((l: Descriptor) => l.mediaType !== mediaType) });
  assert.throws(
    () => parseMetadataManifest(without('application/pgp-signature'), MEDIA_TYPE_IMAGE_MANIFEST),
    layoutError('MALFORMED', /no layer of type application\/pgp-signature/),
  );
  assert.equal(
    parseMetadataManifest(without('application/vnd.tf-oci-registry.registry-manifest+json'), MEDIA_TYPE_IMAGE_MANIFEST).registryManifest,
    undefined,
  );
  assert.throws(
    () => parseMetadataManifest(json({ ...base, layers: [...base.layers, base.layers[2]] }), MEDIA_TYPE_IMAGE_MANIFEST),
    layoutError('AMBIGUOUS', /2 layers of type application\/pgp-keys/),
  );
  assert.throws(
    () => parseMetadataManifest(fixture('opentofu-e2e-provider-manifest-linux-amd64.json'), MEDIA_TYPE_IMAGE_MANIFEST),
    layoutError('WRONG_ARTIFACT_TYPE'),
  );
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

test('readProviderIndexEntries keeps foreign entries as they were (ORAS, OpenTofu fixtures, every descriptor field)', () => {
  for (const name of ['oras-provider-index.json', 'opentofu-e2e-provider-index.json']) {
    const bytes = fixture(name);
    const e = readProviderIndexEntries(bytes, MEDIA_TYPE_IMAGE_INDEX);
    const again = buildProviderIndex({ platforms: e.platforms, others: e.others, annotations: e.annotations });
    // Go field order, no annotations: re-serialized to the same bytes.
    assert.equal(again.bytes.toString(), bytes.toString().trim(), name);
  }
  const entry = {
    mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
    digest: `sha256:${sha256('x')}`,
    size: 1,
    urls: ['https://example.com/x'],
    annotations: { b: '2', a: '1' },
    platform: { architecture: 'amd64', os: 'linux', 'os.features': ['f'] },
    artifactType: 'application/vnd.opentofu.provider-target',
  };
  const index = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_IMAGE_INDEX,
    artifactType: 'application/vnd.opentofu.provider',
    manifests: [entry, { ...entry, artifactType: 'application/example', platform: undefined }],
    annotations: { x: 'y' },
  });
  const e = readProviderIndexEntries(index, MEDIA_TYPE_IMAGE_INDEX);
  assert.deepEqual(e.platforms, [entry]);
  assert.equal(e.others.length, 1);
  assert.deepEqual(e.annotations, { x: 'y' });
  const rebuilt = JSON.parse(buildProviderIndex({ platforms: e.platforms, others: e.others, annotations: e.annotations }).bytes.toString());
  assert.deepEqual(rebuilt.manifests[0], { ...entry, annotations: { a: '1', b: '2' } });
  assert.throws(() => readProviderIndexEntries(index, MEDIA_TYPE_DOCKER_MANIFEST_LIST), layoutError('UNSUPPORTED_MEDIA_TYPE'));
  const noPlatform = json({ ...JSON.parse(index.toString()), manifests: [{ ...entry, platform: undefined }] });
  assert.throws(() => readProviderIndexEntries(noPlatform, MEDIA_TYPE_IMAGE_INDEX), layoutError('MALFORMED', /platform/));
});

test('entries read back keep their JSON (order, unknown fields); a changed copy is written afresh', () => {
  const raw =
    '{"size":1,"digest":"sha256:' +
    sha256('x') +
    '","mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.opentofu.provider-target",' +
    '"platform":{"os":"linux","architecture":"amd64"},"com.example.extra":true}';
  const index = Buffer.from(
    `{"schemaVersion":2,"mediaType":"${MEDIA_TYPE_IMAGE_INDEX}","artifactType":"application/vnd.opentofu.provider","manifests":[${raw}]}`,
  );
  const [entry] = readProviderIndexEntries(index, MEDIA_TYPE_IMAGE_INDEX).platforms as [Descriptor];
  const kept = JSON.parse(buildProviderIndex({ platforms: [entry], annotations: {} }).bytes.toString());
  assert.equal(JSON.stringify(kept.manifests[0]), raw);
  assert.ok(Object.isFrozen(entry));
  const copy = JSON.parse(buildProviderIndex({ platforms: [{ ...entry }], annotations: {} }).bytes.toString());
  assert.deepEqual(Object.keys(copy.manifests[0]), ['mediaType', 'digest', 'size', 'platform', 'artifactType']);
});
