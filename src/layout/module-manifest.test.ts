import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_MANIFEST, parseDigest } from '../oci/types.js';
import { isLayoutError, type LayoutErrorCode } from './errors.js';
import { buildModuleManifest, parseModuleManifest } from './module-manifest.js';

const fixture = readFileSync(new URL('../../test/fixtures/layout/opentofu-e2e-module-manifest.json', import.meta.url));
const zip = { mediaType: 'archive/zip', digest: parseDigest(`sha256:${'ab'.repeat(32)}`), size: 1234 };
const layoutError =
  (code: LayoutErrorCode, re: RegExp) =>
  (e: unknown): boolean =>
    isLayoutError(e, code) && re.test(e.message);

test("OpenTofu's module fixture (docs/design/protocols.md §2) parses", () => {
  assert.equal(createHash('sha256').update(fixture).digest('hex'), 'a47afe6606ae1d53305461b023c193c50af457259e40dc45bd068f62ef408034');
  const pkg = parseModuleManifest(fixture, MEDIA_TYPE_IMAGE_MANIFEST);
  assert.equal(pkg.layer.digest, 'sha256:61a9a706113cb541977a4a276cbbd8dc47f66b61f5f348f56f141d2a69d51e8d');
  assert.equal(pkg.layer.size, 246);
  assert.equal(pkg.shasumHex, '61a9a706113cb541977a4a276cbbd8dc47f66b61f5f348f56f141d2a69d51e8d');
  assert.equal(pkg.filename, 'fake-module-pkg.zip');
  assert.equal(pkg.version, undefined);
});

test('buildModuleManifest: exact bytes, parses back', () => {
  const built = buildModuleManifest({ zip, version: '1.0.0', filename: 'vpc-1.0.0.zip' });
  assert.equal(
    built.bytes.toString(),
    '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.opentofu.modulepkg",' +
      '"config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="},' +
      `"layers":[{"mediaType":"archive/zip","digest":"${zip.digest}","size":1234,"annotations":{"org.opencontainers.image.title":"vpc-1.0.0.zip"}}],` +
      '"annotations":{"org.opencontainers.image.version":"1.0.0"}}',
  );
  assert.equal(built.descriptor.digest, `sha256:${createHash('sha256').update(built.bytes).digest('hex')}`);
  assert.equal(built.descriptor.mediaType, MEDIA_TYPE_IMAGE_MANIFEST);
  assert.equal(built.descriptor.artifactType, 'application/vnd.opentofu.modulepkg');
  const pkg = parseModuleManifest(built.bytes, MEDIA_TYPE_IMAGE_MANIFEST);
  assert.deepEqual(pkg, {
    layer: { ...zip, annotations: { 'org.opencontainers.image.title': 'vpc-1.0.0.zip' } },
    shasumHex: 'ab'.repeat(32),
    filename: 'vpc-1.0.0.zip',
    version: '1.0.0',
  });
  const noName = JSON.parse(buildModuleManifest({ zip, version: '1.0.0' }).bytes.toString());
  assert.equal(noName.layers[0].annotations, undefined);
  assert.throws(
    () => buildModuleManifest({ zip, version: 'v1' }),
    (e) => isLayoutError(e, 'INVALID_VERSION'),
  );
  assert.throws(
    () => buildModuleManifest({ zip, version: '1.0.0', filename: 'a/b.zip' }),
    (e) => isLayoutError(e, 'INVALID_INPUT'),
  );
});

test('parseModuleManifest refuses what oci_getter refuses', () => {
  const base = JSON.parse(fixture.toString());
  const variant = (v: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify({ ...base, ...v }));
  const cases: Array<[string, Buffer, string, LayoutErrorCode, RegExp]> = [
    ['index', fixture, MEDIA_TYPE_IMAGE_INDEX, 'UNSUPPORTED_MEDIA_TYPE', /module packages must be a single image manifest/],
    [
      'provider',
      variant({ artifactType: 'application/vnd.opentofu.provider' }),
      MEDIA_TYPE_IMAGE_MANIFEST,
      'WRONG_ARTIFACT_TYPE',
      /it is an OpenTofu provider/,
    ],
    ['two zips', variant({ layers: [base.layers[0], base.layers[0]] }), MEDIA_TYPE_IMAGE_MANIFEST, 'AMBIGUOUS', /2 "archive\/zip" layers/],
    [
      'tarball only',
      variant({ layers: [{ ...base.layers[0], mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }] }),
      MEDIA_TYPE_IMAGE_MANIFEST,
      'NO_PACKAGE',
      /no layer of type "archive\/zip"/,
    ],
  ];
  for (const [name, bytes, mediaType, code, re] of cases)
    assert.throws(() => parseModuleManifest(bytes, mediaType), layoutError(code, re), name);
});
