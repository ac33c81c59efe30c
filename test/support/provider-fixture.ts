// Test fixtures for the read path: makes small provider releases (real zips via the `zip` CLI, a
// SHA256SUMS, a real GnuPG signature) and pushes them into any OciStore either in our full layout
// (OpenTofu's index + our metadata entry) or the way a foreign tool (ORAS) would (no metadata).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { OciStore } from '../../src/oci/store.js';
import { EMPTY_CONFIG_BYTES, MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_MANIFEST, type Descriptor } from '../../src/oci/types.js';
import { buildProviderRelease } from '../../src/layout/provider-release.js';
import { versionToTag } from '../../src/layout/names.js';
import { h1Hash } from './provider-build.js';
import type { TestSigner } from './gpg-signer.js';

const run = promisify(execFile);

export interface FixtureZip {
  os: string;
  arch: string;
  filename: string;
  bytes: Buffer;
  sha256: string;
  /** h1 computed independently of the product code (test/support/provider-build.ts). */
  h1: string;
}

export interface FixtureRelease {
  type: string;
  version: string;
  zips: FixtureZip[];
  shasumsFilename: string;
  shasums: Buffer;
  signature: Buffer;
  publicKeyArmored: string;
  keyId: string;
}

/** Builds a release whose zips each hold one small "binary" (content unique per platform and version). */
export async function makeFixtureRelease(opts: {
  type: string;
  version: string;
  platforms: Array<{ os: string; arch: string }>;
  signer: TestSigner;
}): Promise<FixtureRelease> {
  const dir = await mkdtemp(join(tmpdir(), 'tfoci-fixture-'));
  const zips: FixtureZip[] = [];
  for (const p of opts.platforms) {
    const bin = `terraform-provider-${opts.type}_v${opts.version}${p.os === 'windows' ? '.exe' : ''}`;
    const content = Buffer.from(`#!/bin/sh\n# fake provider ${opts.type} ${opts.version} ${p.os}_${p.arch}\n`);
    const binPath = join(dir, bin);
    await writeFile(binPath, content, { mode: 0o755 });
    const filename = `terraform-provider-${opts.type}_${opts.version}_${p.os}_${p.arch}.zip`;
    await run('zip', ['-q', '-X', '-j', join(dir, filename), binPath]);
    const bytes = await readFile(join(dir, filename));
    zips.push({
      ...p,
      filename,
      bytes,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      h1: h1Hash([[bin, content]]),
    });
  }
  const shasumsFilename = `terraform-provider-${opts.type}_${opts.version}_SHA256SUMS`;
  const shasums = Buffer.from(zips.map((z) => `${z.sha256}  ${z.filename}\n`).join(''));
  const shasumsPath = join(dir, shasumsFilename);
  await writeFile(shasumsPath, shasums);
  const signature = await readFile(await opts.signer.sign(shasumsPath));
  return {
    type: opts.type,
    version: opts.version,
    zips,
    shasumsFilename,
    shasums,
    signature,
    publicKeyArmored: opts.signer.publicKeyArmored,
    keyId: opts.signer.keyId,
  };
}

/** Pushes a release in our layout (what the publishing API writes), tag last. Returns the index descriptor. */
export async function pushRelease(store: OciStore, repository: string, rel: FixtureRelease, protocols = ['5.0']): Promise<Descriptor> {
  const platforms = [];
  for (const z of rel.zips) {
    const zip = await store.pushBlob(repository, z.bytes);
    platforms.push({ os: z.os, arch: z.arch, filename: z.filename, zip: { ...zip, mediaType: 'archive/zip' }, h1: z.h1 });
  }
  const built = buildProviderRelease({
    type: rel.type,
    version: rel.version,
    protocols,
    keyId: rel.keyId,
    platforms,
    shasums: { filename: rel.shasumsFilename, blob: await store.pushBlob(repository, rel.shasums) },
    signature: await store.pushBlob(repository, rel.signature),
    publicKey: await store.pushBlob(repository, Buffer.from(rel.publicKeyArmored)),
  });
  await store.pushBlob(repository, EMPTY_CONFIG_BYTES);
  for (const m of built.platformManifests) await store.pushManifest(repository, m.descriptor.digest, m.bytes, MEDIA_TYPE_IMAGE_MANIFEST);
  await store.pushManifest(repository, built.metadataManifest.descriptor.digest, built.metadataManifest.bytes, MEDIA_TYPE_IMAGE_MANIFEST);
  return store.pushManifest(repository, versionToTag(rel.version), built.index.bytes, MEDIA_TYPE_IMAGE_INDEX);
}

/**
 * Pushes a version the way ORAS' documented recipe does (docs/design/protocols.md §1.9 (b)): config = platform JSON,
 * a title annotation on the layer, no h1, no metadata entry, a timestamp annotation.
 */
export async function pushForeignRelease(store: OciStore, repository: string, version: string, zips: FixtureZip[]): Promise<Descriptor> {
  const entries: Descriptor[] = [];
  for (const z of zips) {
    const zip = await store.pushBlob(repository, z.bytes);
    const configBytes = Buffer.from(JSON.stringify({ architecture: z.arch, os: z.os }));
    const config = await store.pushBlob(repository, configBytes);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
        artifactType: 'application/vnd.opentofu.provider-target',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
        layers: [
          { mediaType: 'archive/zip', digest: zip.digest, size: zip.size, annotations: { 'org.opencontainers.image.title': z.filename } },
        ],
        annotations: { 'org.opencontainers.image.created': '2025-01-01T00:00:00Z' },
      }),
    );
    const desc = await store.pushManifest(repository, sha256Ref(manifest), manifest, MEDIA_TYPE_IMAGE_MANIFEST);
    entries.push({ ...desc, platform: { architecture: z.arch, os: z.os }, artifactType: 'application/vnd.opentofu.provider-target' });
  }
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_IMAGE_INDEX,
      artifactType: 'application/vnd.opentofu.provider',
      manifests: entries.map((e) => ({
        mediaType: e.mediaType,
        digest: e.digest,
        size: e.size,
        platform: e.platform,
        artifactType: e.artifactType,
      })),
    }),
  );
  return store.pushManifest(repository, versionToTag(version), index, MEDIA_TYPE_IMAGE_INDEX);
}

function sha256Ref(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
