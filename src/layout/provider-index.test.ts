// Reading provider versions (provider-index.ts) with tofu's rules: OpenTofu's own fixtures, the ORAS recipe,
// refusals, layer selection, metadata, and entries kept exactly as read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MEDIA_TYPE_DOCKER_MANIFEST_LIST, MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_MANIFEST, type Descriptor } from '../oci/types.js';
import { parseMetadataManifest, parsePlatformManifest, parseProviderIndex, readProviderIndexEntries } from './provider-index.js';
import { buildProviderIndex, buildProviderRelease } from './provider-release.js';
import type { LayoutErrorCode } from './errors.js';
import { fixture, json, layoutError, releaseInput, sha256 } from '../../test/support/layout-fixtures.js';

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
