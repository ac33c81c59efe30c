// Benchmark fixtures: provider versions pushed FAST into the real registry, in exactly our layout
// (buildProviderRelease: one index per version with its own per-platform manifests and metadata
// manifest, a real signed SHA256SUMS per version). Zips are real zips (yazl, stored) and may be shared
// by every version of a provider ("tiny and shared" blobs: the listing never reads them); the large
// download zip is generated from random bytes into the run's temp directory. Signing uses an in-process
// OpenPGP ed25519 key (gpg 2.2's default key type): 1,000 gpg processes would dominate the set-up.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import * as openpgp from 'openpgp';
import yazl from 'yazl';
import { buildProviderRelease, defaultProviderFilename, shasumsFilename } from '../../src/layout/provider-release.js';
import { versionToTag } from '../../src/layout/names.js';
import type { OciStore } from '../../src/oci/store.js';
import { EMPTY_CONFIG_BYTES, MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_MANIFEST, type Descriptor } from '../../src/oci/types.js';
import { mapLimit } from '../../src/core/map-limit.js';
import { h1Hash } from '../../test/support/provider-build.js';

export interface Platform {
  os: string;
  arch: string;
}

export const THREE_PLATFORMS: Platform[] = [
  { os: 'darwin', arch: 'arm64' },
  { os: 'linux', arch: 'amd64' },
  { os: 'windows', arch: 'amd64' },
];

export interface BenchSigner {
  /** 16 upper-case hex digits. */
  keyId: string;
  publicKeyArmored: string;
  /** Binary detached signature (what `gpg --detach-sign` writes). */
  sign(data: Buffer): Promise<Buffer>;
}

export async function createBenchSigner(): Promise<BenchSigner> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'tf-oci-registry bench', email: 'bench@example.test' }],
    format: 'object',
  });
  return {
    keyId: privateKey.getKeyID().toHex().toUpperCase(),
    publicKeyArmored: publicKey.armor(),
    async sign(data) {
      const message = await openpgp.createMessage({ binary: data });
      const sig = await openpgp.sign({ message, signingKeys: privateKey, detached: true, format: 'binary' });
      return Buffer.from(sig as Uint8Array);
    },
  };
}

const FIXED_MTIME = new Date(Date.UTC(2020, 0, 1));

/** A stored (uncompressed) zip holding one executable file, in memory. */
export async function zipBuffer(entryName: string, content: Buffer): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(content, entryName, { mtime: FIXED_MTIME, mode: 0o100755, compress: false });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as Readable) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A zip blob already in the registry, with what the index needs about it. */
export interface PushedZip {
  desc: Descriptor;
  h1: string;
}

/**
 * Writes a stored zip of `sizeBytes` random bytes (one entry) to `path`, streaming (nothing held in
 * memory), and returns the entry's h1 hash.
 */
export async function writeRandomZip(path: string, entryName: string, sizeBytes: number): Promise<{ h1: string; size: number }> {
  const hash = createHash('sha256');
  const chunk = 1024 * 1024;
  let left = sizeBytes;
  const random = Readable.from(
    (function* () {
      while (left > 0) {
        const n = Math.min(chunk, left);
        left -= n;
        const b = randomBytes(n);
        hash.update(b);
        yield b;
      }
    })(),
  );
  const zip = new yazl.ZipFile();
  zip.addReadStream(random, entryName, { mtime: FIXED_MTIME, mode: 0o100755, compress: false, size: sizeBytes });
  zip.end();
  await pipeline(zip.outputStream as Readable, createWriteStream(path));
  const h1 =
    'h1:' +
    createHash('sha256')
      .update(`${hash.digest('hex')}  ${entryName}\n`)
      .digest('base64');
  return { h1, size: (await stat(path)).size };
}

/** Pushes a zip file (streamed) and returns it as a PushedZip. */
export async function pushZipFile(store: OciStore, repository: string, path: string, h1: string): Promise<PushedZip> {
  const desc = await store.pushBlob(repository, createReadStream(path));
  return { desc: { ...desc, mediaType: 'archive/zip' }, h1 };
}

/** One tiny zip per platform, pushed once and shared by every version of the provider. */
export async function pushSharedTinyZips(
  store: OciStore,
  repository: string,
  type: string,
  platforms: Platform[],
): Promise<Map<string, PushedZip>> {
  const out = new Map<string, PushedZip>();
  for (const p of platforms) {
    const bin = `terraform-provider-${type}${p.os === 'windows' ? '.exe' : ''}`;
    const content = Buffer.from(`#!/bin/sh\n# fake provider ${type} ${p.os}_${p.arch} (benchmark fixture)\n`);
    const bytes = await zipBuffer(bin, content);
    const desc = await store.pushBlob(repository, bytes);
    out.set(`${p.os}_${p.arch}`, { desc: { ...desc, mediaType: 'archive/zip' }, h1: h1Hash([[bin, content]]) });
  }
  return out;
}

export interface ProviderPush {
  repository: string;
  type: string;
  versions: string[];
  platforms: Platform[];
  /** The zip of each `<os>_<arch>` (shared by all versions). */
  zips: Map<string, PushedZip>;
  /** Versions pushed in parallel. Default 16. */
  concurrency?: number;
  protocols?: string[];
}

/**
 * Pushes every version in our layout. Blobs shared by all versions (empty config, public key, zips) are
 * pushed once; per version: SHA256SUMS, its signature, one manifest per platform, the metadata manifest,
 * then the index under the version tag.
 */
export async function pushProviderVersions(store: OciStore, signer: BenchSigner, spec: ProviderPush): Promise<void> {
  await store.pushBlob(spec.repository, EMPTY_CONFIG_BYTES);
  const publicKey = await store.pushBlob(spec.repository, Buffer.from(signer.publicKeyArmored));
  await mapLimit(spec.versions, spec.concurrency ?? 16, async (version) => {
    const platforms = spec.platforms.map((p) => {
      const zip = spec.zips.get(`${p.os}_${p.arch}`);
      if (!zip) throw new Error(`no zip for ${p.os}_${p.arch}`);
      return { ...p, filename: defaultProviderFilename(spec.type, version, p.os, p.arch), zip: zip.desc, h1: zip.h1 };
    });
    const sumsName = shasumsFilename(spec.type, version);
    const shasums = Buffer.from(platforms.map((p) => `${p.zip.digest.slice('sha256:'.length)}  ${p.filename}\n`).join(''));
    const [sumsDesc, sigDesc] = await Promise.all([
      store.pushBlob(spec.repository, shasums),
      signer.sign(shasums).then((sig) => store.pushBlob(spec.repository, sig)),
    ]);
    const built = buildProviderRelease({
      type: spec.type,
      version,
      protocols: spec.protocols ?? ['5.0'],
      keyId: signer.keyId,
      platforms,
      shasums: { filename: sumsName, blob: sumsDesc },
      signature: sigDesc,
      publicKey,
    });
    await Promise.all([
      ...built.platformManifests.map((m) => store.pushManifest(spec.repository, m.descriptor.digest, m.bytes, MEDIA_TYPE_IMAGE_MANIFEST)),
      store.pushManifest(
        spec.repository,
        built.metadataManifest.descriptor.digest,
        built.metadataManifest.bytes,
        MEDIA_TYPE_IMAGE_MANIFEST,
      ),
    ]);
    await store.pushManifest(spec.repository, versionToTag(version), built.index.bytes, MEDIA_TYPE_IMAGE_INDEX);
  });
}

/** `count` distinct versions: 1.0.0, 1.0.1, …, rolling over minor every 100 (realistic semver spread). */
export function versionList(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${1 + Math.floor(i / 10_000)}.${Math.floor(i / 100) % 100}.${i % 100}`);
}
