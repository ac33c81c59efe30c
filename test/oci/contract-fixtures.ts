// Fixtures and helpers of the store contract: unique repository names, stream collection, error-code
// assertions, and the OpenTofu provider artifact layout (empty config, archive/zip layers, per-platform
// manifests with artifactType provider-target, an index with artifactType provider).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { isOciError, type OciErrorCode } from '../../src/oci/errors.js';
import type { CallOptions, OciStore } from '../../src/oci/store.js';
import { sha256Digest } from '../../src/oci/store-support.js';
import {
  EMPTY_CONFIG_BYTES,
  EMPTY_CONFIG_DIGEST,
  MEDIA_TYPE_EMPTY,
  MEDIA_TYPE_IMAGE_INDEX,
  MEDIA_TYPE_IMAGE_MANIFEST,
  type Digest,
} from '../../src/oci/types.js';

let counter = 0;
const run = randomBytes(3).toString('hex');

/** A repository name unique to this test run. */
export function uniqueRepo(label: string): string {
  return `contract-${run}/${label.toLowerCase()}-${++counter}`;
}

/** Reads a whole stream (tests only: small blobs). */
export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Asserts that a promise rejects with an OciError of the given code. */
export async function expectCode(p: Promise<unknown>, code: OciErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isOciError(err), `expected OciError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return true;
  });
}

export interface PushedPlatform {
  os: string;
  arch: string;
  digest: Digest;
  bytes: Buffer;
  zip: { digest: Digest; bytes: Buffer };
  /** The index descriptor of this manifest, as JSON text. */
  descriptorJson: string;
}

export interface PushedRelease {
  index: { digest: Digest; bytes: Buffer };
  platforms: PushedPlatform[];
}

/** Pushes one OpenTofu provider version (two platforms) and tags its index. */
export async function pushProviderRelease(
  store: OciStore,
  repo: string,
  tag: string,
  o: CallOptions = {},
  salt = '',
): Promise<PushedRelease> {
  await store.pushBlob(repo, EMPTY_CONFIG_BYTES, o);
  const platforms: PushedPlatform[] = [];
  for (const [os, arch] of [
    ['linux', 'amd64'],
    ['darwin', 'arm64'],
  ] as const) {
    const zipBytes = Buffer.concat([Buffer.from('PK\x03\x04'), randomBytes(3000)]);
    const zip = await store.pushBlob(repo, Readable.from([zipBytes]), o);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
        artifactType: 'application/vnd.opentofu.provider-target',
        config: { mediaType: MEDIA_TYPE_EMPTY, digest: EMPTY_CONFIG_DIGEST, size: 2 },
        layers: [
          {
            mediaType: 'archive/zip',
            artifactType: 'application/vnd.opentofu.providerpkg',
            digest: zip.digest,
            size: zip.size,
            annotations: { 'org.opencontainers.image.title': `terraform-provider-foo_1.2.3_${os}_${arch}.zip` },
          },
        ],
        annotations: { 'org.opencontainers.image.version': '1.2.3' },
      }),
    );
    const desc = await store.pushManifest(repo, sha256Digest(manifest), manifest, MEDIA_TYPE_IMAGE_MANIFEST, o);
    platforms.push({
      os,
      arch,
      digest: desc.digest,
      bytes: manifest,
      zip: { digest: zip.digest, bytes: zipBytes },
      descriptorJson: JSON.stringify({
        mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
        artifactType: 'application/vnd.opentofu.provider-target',
        digest: desc.digest,
        size: manifest.length,
        platform: { os, architecture: arch },
      }),
    });
  }
  const index = Buffer.from(
    `{"schemaVersion":2,"mediaType":"${MEDIA_TYPE_IMAGE_INDEX}","artifactType":"application/vnd.opentofu.provider",` +
      `"manifests":[${platforms.map((p) => p.descriptorJson).join(',')}],` +
      `"annotations":{"org.opencontainers.image.version":"1.2.3"${salt ? `,"salt":${JSON.stringify(salt)}` : ''}}}`,
  );
  const pushed = await store.pushManifest(repo, tag, index, MEDIA_TYPE_IMAGE_INDEX, o);
  return { index: { digest: pushed.digest, bytes: index }, platforms };
}
