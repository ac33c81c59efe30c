// storeMirroredVersion over the memory store and an OCI image-layout directory: platform-by-platform
// writes, determinism against writing at once (and against pushRelease), conflicts, SHA256SUMS checks,
// in-process and cross-replica concurrency.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { makeZip, sha256Hex } from '../../test/publish/release-fixture.js';
import { AppError, type ErrorCode } from '../core/app-error.js';
import type { Caller } from '../core/caller.js';
import { KeyedLock } from '../core/keyed-lock.js';
import { MEDIA_TYPE_ZIP } from '../layout/media-types.js';
import { versionToTag } from '../layout/names.js';
import { parseProviderIndex } from '../layout/provider-index.js';
import { buildPlatformManifest, buildProviderIndex, providerIndexAnnotations } from '../layout/provider-release.js';
import type { ProviderIndex } from '../layout/types.js';
import { createLayoutStore } from '../oci/layout-store.js';
import { createMemoryStore } from '../oci/memory-store.js';
import type { OciStore } from '../oci/store.js';
import { sha256Digest } from '../oci/store-support.js';
import {
  EMPTY_CONFIG_BYTES,
  EMPTY_CONFIG_DIGEST,
  MEDIA_TYPE_IMAGE_INDEX,
  MEDIA_TYPE_IMAGE_MANIFEST,
  type Descriptor,
} from '../oci/types.js';
import { createReadCaches } from '../read-cache/read-caches.js';
import { readSmallBlob } from '../read-cache/reader.js';
import { zipH1 } from '../verify/zip-inspect.js';
import { pushRelease } from './push-release.js';
import { readMetadata, readPlatformLayer, readProviderIndex } from './provider-reader.js';
import { type StoreMirroredDeps, storeMirroredVersion } from './store-mirrored.js';
import type { MirroredPlatform, MirroredSignature, MirroredVersionInput } from './mirrored-plan.js';

const REPO = 'tf/providers/registry.example.com/acme/widget';
const TYPE = 'widget';
const VERSION = '1.2.3+b.1';
const TAG = versionToTag(VERSION);
const PROTOCOLS = ['5.0', '6.0'];
const caller: Caller = { principal: 'service' };
const logger = pino({ level: 'silent' });

interface Zip {
  platform: { os: string; arch: string };
  filename: string;
  bytes: Buffer;
  h1: string;
}

let tmp: string;
const zips = new Map<string, Zip>();
let shasums: Buffer;
const zipOf = (key: string): Zip => zips.get(key) as Zip;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'tfoci-store-mirrored-'));
  const make = async (os: string, arch: string, variant = ''): Promise<Zip> => {
    const filename = `terraform-provider-${TYPE}_${VERSION}_${os}_${arch}.zip`;
    const bytes = await makeZip({ [`terraform-provider-${TYPE}_v${VERSION}`]: `#!/bin/sh\necho ${os}_${arch}${variant}\n` });
    const file = join(tmp, `${os}_${arch}${variant}.zip`);
    await writeFile(file, bytes);
    return { platform: { os, arch }, filename, bytes, h1: await zipH1(file) };
  };
  for (const [os, arch] of [
    ['linux', 'amd64'],
    ['darwin', 'arm64'],
    ['windows', 'amd64'],
  ] as const) {
    zips.set(`${os}_${arch}`, await make(os, arch));
  }
  zips.set('linux_amd64-other', await make('linux', 'amd64', ' rebuilt'));
  zips.set('freebsd_amd64', await make('freebsd', 'amd64')); // not in SHA256SUMS
  shasums = Buffer.from(
    ['darwin_arm64', 'linux_amd64', 'windows_amd64'].map((k) => `${sha256Hex(zipOf(k).bytes)}  ${zipOf(k).filename}\n`).join(''),
  );
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const signed = (): MirroredSignature => ({
  shasums: { filename: `terraform-provider-${TYPE}_${VERSION}_SHA256SUMS`, bytes: shasums },
  signature: Buffer.from('binary detached signature'),
  armoredKey: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a real key\n-----END PGP PUBLIC KEY BLOCK-----\n',
  keyId: '7EFEE40784BD37C2',
});

function depsOver(store: OciStore, locks = new KeyedLock()): StoreMirroredDeps {
  const caches = createReadCaches({ store, logger, tagsTtlMs: 60_000, downloadTtl: 600, maxBytes: 16 * 1024 * 1024, now: Date.now });
  return { ...caches, store, logger, locks };
}

/** Pushes the zip blob and returns the platform to mirror. */
async function platform(deps: StoreMirroredDeps, key: string): Promise<MirroredPlatform> {
  const z = zipOf(key);
  const d = await deps.store.pushBlob(REPO, z.bytes, { digest: sha256Digest(z.bytes), size: z.bytes.length });
  return { ...z.platform, filename: z.filename, zip: { mediaType: MEDIA_TYPE_ZIP, digest: d.digest, size: d.size }, h1: z.h1 };
}

async function input(
  deps: StoreMirroredDeps,
  keys: string[],
  extra: Partial<MirroredVersionInput> = {},
  repository = REPO,
): Promise<MirroredVersionInput> {
  return {
    repository,
    type: TYPE,
    version: VERSION,
    protocols: PROTOCOLS,
    platforms: await Promise.all(keys.map((k) => platform(deps, k))),
    source: 'registry.terraform.io',
    ...extra,
  };
}

/** The tagged index straight from the store. */
async function stored(store: OciStore): Promise<{ digest: string; bytes: Buffer; index: ProviderIndex }> {
  const { descriptor, bytes } = await store.fetchManifest(REPO, TAG);
  return { digest: descriptor.digest, bytes, index: parseProviderIndex(bytes, descriptor.mediaType) };
}

const keysOf = (index: ProviderIndex): string[] => index.platforms.map((p) => `${p.os}_${p.arch}`);
const appError =
  (code: ErrorCode, re?: RegExp) =>
  (e: unknown): boolean =>
    e instanceof AppError && e.code === code && (re === undefined || re.test(e.message));

async function tagAbsent(store: OciStore): Promise<boolean> {
  return store.resolveManifest(REPO, TAG).then(
    () => false,
    () => true,
  );
}

const kinds: Array<[string, () => Promise<OciStore>]> = [
  ['memory store', async () => createMemoryStore()],
  ['image-layout store', async () => createLayoutStore({ path: await mkdtemp(join(tmp, 'layout-')) })],
];

for (const [kind, newStore] of kinds) {
  describe(`storeMirroredVersion over the ${kind}`, () => {
    let store: OciStore;
    let deps: StoreMirroredDeps;
    beforeEach(async () => {
      store = await newStore();
      deps = depsOver(store);
    });

    test('one platform, then a second: one index with both, sorted, readable through the read cache', async () => {
      const first = await storeMirroredVersion(deps, await input(deps, ['linux_amd64']), caller);
      assert.deepEqual(first.added, ['linux_amd64']);
      assert.deepEqual(first.existing, []);
      // Warm the read cache with the one-platform index: the second write must invalidate it.
      assert.deepEqual(keysOf((await readProviderIndex(deps, REPO, TAG, caller)).index), ['linux_amd64']);

      const second = await storeMirroredVersion(deps, await input(deps, ['darwin_arm64']), caller);
      assert.deepEqual(second.added, ['darwin_arm64']);
      const now = await stored(store);
      assert.equal(now.digest, second.digest);
      assert.deepEqual(keysOf(now.index), ['darwin_arm64', 'linux_amd64']);
      assert.equal(now.index.metadata, undefined);
      assert.deepEqual(now.index.protocols, PROTOCOLS);
      assert.equal(now.index.version, VERSION);
      assert.equal(JSON.parse(now.bytes.toString()).annotations['io.tf-oci-registry.mirrored-from'], 'registry.terraform.io');

      const read = await readProviderIndex(deps, REPO, TAG, caller);
      assert.equal(read.descriptor.digest, second.digest);
      assert.deepEqual(keysOf(read.index), ['darwin_arm64', 'linux_amd64']);
      for (const entry of read.index.platforms) {
        const z = zipOf(`${entry.os}_${entry.arch}`);
        assert.equal(entry.h1, z.h1);
        assert.equal(entry.filename, z.filename);
        const layer = await readPlatformLayer(deps, REPO, entry, caller);
        assert.equal(layer.shasumHex, sha256Hex(z.bytes));
      }
    });

    test('platform by platform gives the same index digest as all at once (mirror-only and signed)', async () => {
      for (const sig of [undefined, signed()]) {
        const extra = sig ? { signed: sig } : {};
        const one = depsOver(await newStore());
        let last = '';
        for (const k of ['windows_amd64', 'linux_amd64', 'darwin_arm64']) {
          last = (await storeMirroredVersion(one, await input(one, [k], extra), caller)).digest;
        }
        const all = depsOver(await newStore());
        const at = await storeMirroredVersion(all, await input(all, ['linux_amd64', 'darwin_arm64', 'windows_amd64'], extra), caller);
        assert.deepEqual(at.added, ['darwin_arm64', 'linux_amd64', 'windows_amd64']);
        assert.equal(last, at.digest, sig ? 'signed' : 'mirror-only');
      }
      // Mirror-only first, signed later: the same as signed from the start.
      const late = depsOver(await newStore());
      await storeMirroredVersion(late, await input(late, ['linux_amd64', 'darwin_arm64']), caller);
      const withSig = await storeMirroredVersion(late, await input(late, ['windows_amd64'], { signed: signed() }), caller);
      const all = depsOver(await newStore());
      const at = await storeMirroredVersion(
        all,
        await input(all, ['linux_amd64', 'darwin_arm64', 'windows_amd64'], { signed: signed() }),
        caller,
      );
      assert.equal(withSig.digest, at.digest);
    });

    test('a signed version without source is byte-identical to the one pushRelease publishes', async () => {
      const sig = signed();
      const noSource = await input(deps, ['linux_amd64', 'darwin_arm64'], { signed: sig });
      delete noSource.source;
      const mirrored = await storeMirroredVersion(deps, noSource, caller);
      const other = depsOver(await newStore());
      const platforms = await Promise.all(['linux_amd64', 'darwin_arm64'].map((k) => platform(other, k)));
      const published = await pushRelease(
        other,
        {
          repository: REPO,
          type: TYPE,
          version: VERSION,
          keyId: sig.keyId,
          armoredKey: sig.armoredKey,
          release: {
            zips: platforms.map((p) => ({ os: p.os, arch: p.arch, filename: p.filename, blob: p.zip, h1: p.h1 })),
            shasums: sig.shasums,
            signature: sig.signature,
            manifest: null,
            protocols: PROTOCOLS,
          },
        },
        caller,
      );
      assert.equal(mirrored.digest, published);
    });

    test('the same platform twice with the same zip is a no-op', async () => {
      const first = await storeMirroredVersion(deps, await input(deps, ['linux_amd64']), caller);
      const again = await storeMirroredVersion(deps, await input(deps, ['linux_amd64']), caller);
      assert.deepEqual(again, { digest: first.digest, added: [], existing: ['linux_amd64'] });
      // Several at once: only the new one is added.
      const mixed = await storeMirroredVersion(deps, await input(deps, ['linux_amd64', 'windows_amd64']), caller);
      assert.deepEqual(mixed.added, ['windows_amd64']);
      assert.deepEqual(mixed.existing, ['linux_amd64']);
    });

    test('the same platform with another zip is a CONFLICT and changes nothing', async () => {
      const first = await storeMirroredVersion(deps, await input(deps, ['linux_amd64']), caller);
      const other = await input(deps, ['linux_amd64-other', 'darwin_arm64']);
      const theirs = (other.platforms[0] as MirroredPlatform).zip.digest;
      await assert.rejects(
        storeMirroredVersion(deps, other, caller),
        appError('CONFLICT', new RegExp(`linux_amd64 .*${sha256Hex(zipOf('linux_amd64').bytes)}.*${theirs}`)),
      );
      assert.equal((await stored(store)).digest, first.digest);
    });

    test('a signed release adds our metadata entry, readable by readMetadata', async () => {
      const sig = signed();
      const r = await storeMirroredVersion(deps, await input(deps, ['linux_amd64'], { signed: sig }), caller);
      const { descriptor, index } = await readProviderIndex(deps, REPO, TAG, caller);
      assert.equal(descriptor.digest, r.digest);
      assert.equal(index.keyId, sig.keyId);
      assert.ok(index.metadata, 'metadata entry');
      const meta = await readMetadata(deps, REPO, index.metadata, caller);
      assert.equal(meta.shasumsFilename, sig.shasums.filename);
      assert.deepEqual(await readSmallBlob(deps, REPO, meta.shasums, caller), sig.shasums.bytes);
      assert.deepEqual(await readSmallBlob(deps, REPO, meta.signature, caller), sig.signature);
      assert.equal((await readSmallBlob(deps, REPO, meta.publicKey, caller)).toString(), sig.armoredKey);
      // The metadata entry stays last when platforms are added.
      await storeMirroredVersion(deps, await input(deps, ['windows_amd64', 'darwin_arm64'], { signed: sig }), caller);
      const manifests = JSON.parse((await stored(store)).bytes.toString()).manifests as Descriptor[];
      assert.deepEqual(
        manifests.map((m) => (m.platform ? `${m.platform.os}_${m.platform.architecture}` : m.artifactType)),
        ['darwin_arm64', 'linux_amd64', 'windows_amd64', 'application/vnd.tf-oci-registry.provider-metadata.v1'],
      );
    });

    test('a mirror-only release has no metadata entry and no key id', async () => {
      await storeMirroredVersion(deps, await input(deps, ['linux_amd64']), caller);
      const { index } = await stored(store);
      assert.equal(index.metadata, undefined);
      assert.equal(index.keyId, undefined);
      assert.ok(index.problems.some((p) => /no signature metadata/.test(p)));
    });

    test('another SHA256SUMS than the stored one is a CONFLICT', async () => {
      const first = await storeMirroredVersion(deps, await input(deps, ['linux_amd64'], { signed: signed() }), caller);
      const sig = signed();
      sig.shasums = { ...sig.shasums, bytes: Buffer.concat([shasums, Buffer.from(`${'0'.repeat(64)}  extra.txt\n`)]) };
      await assert.rejects(
        storeMirroredVersion(deps, await input(deps, ['darwin_arm64'], { signed: sig }), caller),
        appError('CONFLICT', /another SHA256SUMS/),
      );
      assert.equal((await stored(store)).digest, first.digest);
    });

    test('a new platform whose zip is not in SHA256SUMS is VALIDATION_FAILED and changes nothing', async () => {
      await assert.rejects(
        storeMirroredVersion(deps, await input(deps, ['linux_amd64', 'freebsd_amd64'], { signed: signed() }), caller),
        appError('VALIDATION_FAILED', /terraform-provider-widget_1\.2\.3\+b\.1_freebsd_amd64\.zip is not listed/),
      );
      assert.ok(await tagAbsent(store), 'nothing tagged');
      const first = await storeMirroredVersion(deps, await input(deps, ['linux_amd64'], { signed: signed() }), caller);
      await assert.rejects(
        storeMirroredVersion(deps, await input(deps, ['freebsd_amd64'], { signed: signed() }), caller),
        appError('VALIDATION_FAILED', /freebsd_amd64\.zip is not listed/),
      );
      // Unsigned input for a signed version: checked against the stored SHA256SUMS.
      await assert.rejects(
        storeMirroredVersion(deps, await input(deps, ['freebsd_amd64']), caller),
        appError('VALIDATION_FAILED', /freebsd_amd64\.zip is not listed/),
      );
      // Listed under another file name: refused too.
      const renamed = await input(deps, ['darwin_arm64']);
      (renamed.platforms[0] as MirroredPlatform).filename = 'darwin.zip';
      await assert.rejects(storeMirroredVersion(deps, renamed, caller), appError('VALIDATION_FAILED', /darwin\.zip is not listed/));
      assert.equal((await stored(store)).digest, first.digest);
    });

    test('signing a mirror-only version whose stored zip is not in the SHA256SUMS is a CONFLICT', async () => {
      const first = await storeMirroredVersion(deps, await input(deps, ['linux_amd64-other']), caller);
      await assert.rejects(
        storeMirroredVersion(deps, await input(deps, ['darwin_arm64'], { signed: signed() }), caller),
        appError('CONFLICT', /stored platform linux_amd64/),
      );
      assert.equal((await stored(store)).digest, first.digest);
    });

    test('bad input and missing zips are VALIDATION_FAILED', async () => {
      const base = await input(deps, ['linux_amd64']);
      const bad: Array<[Partial<MirroredVersionInput>, RegExp]> = [
        [{ version: 'v1.0.0' }, /invalid version/],
        [{ protocols: ['five'] }, /protocol version/],
        [{ platforms: [...base.platforms, ...base.platforms] }, /listed twice/],
        [{ platforms: [{ ...(base.platforms[0] as MirroredPlatform), h1: 'h1:nope' }] }, /h1 hash/],
        [{ signed: { ...signed(), keyId: 'abc' } }, /key id/],
        [{ signed: { ...signed(), shasums: { filename: 'S', bytes: Buffer.from('nonsense\n') } } }, /SHA256SUMS line 1/],
        [{ platforms: [] }, /at least one platform/],
      ];
      for (const [extra, re] of bad) {
        await assert.rejects(storeMirroredVersion(deps, { ...base, ...extra }, caller), appError('VALIDATION_FAILED', re), String(re));
      }
      const ghost: MirroredPlatform = {
        ...(base.platforms[0] as MirroredPlatform),
        os: 'plan9',
        zip: { mediaType: MEDIA_TYPE_ZIP, digest: sha256Digest(Buffer.from('never pushed')), size: 12 },
      };
      await assert.rejects(
        storeMirroredVersion(deps, { ...base, platforms: [ghost] }, caller),
        appError('VALIDATION_FAILED', /not a blob/),
      );
      assert.ok(await tagAbsent(store));
    });

    test('concurrent calls adding different platforms (one process) both end up in the index', async () => {
      const inputs = await Promise.all(['linux_amd64', 'darwin_arm64', 'windows_amd64'].map((k) => input(deps, [k])));
      const results = await Promise.all(inputs.map((i) => storeMirroredVersion(deps, i, caller)));
      assert.deepEqual(results.flatMap((r) => r.added).sort(), ['darwin_arm64', 'linux_amd64', 'windows_amd64']);
      const now = await stored(store);
      assert.deepEqual(keysOf(now.index), ['darwin_arm64', 'linux_amd64', 'windows_amd64']);
      assert.equal(now.digest, results[2]?.digest);
    });

    test('another replica replacing the index after our push: merged again, both platforms kept', async () => {
      await storeMirroredVersion(deps, await input(deps, ['linux_amd64']), caller);
      await platform(deps, 'windows_amd64');
      // Replica B, from a read made before our push: linux + windows, no darwin.
      const stale = await staleIndex(store, ['linux_amd64', 'windows_amd64']);
      let injected = false;
      const racing: OciStore = Object.create(store, {
        pushManifest: {
          value: async (repository: string, reference: string, bytes: Buffer, mediaType: string) => {
            const d = await store.pushManifest(repository, reference, bytes, mediaType);
            if (reference === TAG && !injected) {
              injected = true;
              await store.pushManifest(REPO, TAG, stale, MEDIA_TYPE_IMAGE_INDEX);
            }
            return d;
          },
        },
      });
      const a = { ...deps, store: racing };
      const r = await storeMirroredVersion(a, await input(a, ['darwin_arm64']), caller);
      assert.ok(injected);
      assert.deepEqual(r.added, ['darwin_arm64']);
      const now = await stored(store);
      assert.equal(now.digest, r.digest);
      assert.deepEqual(keysOf(now.index), ['darwin_arm64', 'linux_amd64', 'windows_amd64']);
    });

    test('another replica moving the tag between our read and our push: merged before pushing', async () => {
      await storeMirroredVersion(deps, await input(deps, ['linux_amd64']), caller);
      await platform(deps, 'windows_amd64');
      const theirs = await staleIndex(store, ['linux_amd64', 'windows_amd64']);
      let resolves = 0;
      const racing: OciStore = Object.create(store, {
        resolveManifest: {
          value: async (repository: string, reference: string) => {
            // The 2nd HEAD of the tag is the check right before the push: B pushes just before it.
            if (reference === TAG && ++resolves === 2) await store.pushManifest(REPO, TAG, theirs, MEDIA_TYPE_IMAGE_INDEX);
            return store.resolveManifest(repository, reference);
          },
        },
      });
      const pushes: string[] = [];
      const counting: OciStore = Object.create(racing, {
        pushManifest: {
          value: async (repository: string, reference: string, bytes: Buffer, mediaType: string) => {
            if (reference === TAG) pushes.push(sha256Digest(bytes));
            return store.pushManifest(repository, reference, bytes, mediaType);
          },
        },
      });
      const a = { ...deps, store: counting };
      const r = await storeMirroredVersion(a, await input(a, ['darwin_arm64']), caller);
      assert.deepEqual(pushes, [r.digest], 'one index pushed, made from B’s index');
      assert.deepEqual(keysOf((await stored(store)).index), ['darwin_arm64', 'linux_amd64', 'windows_amd64']);
    });

    test('entries of an index written by another tool are kept as they were', async () => {
      const linux = await platform(deps, 'linux_amd64');
      const built = buildPlatformManifest(linux);
      await store.pushBlob(REPO, EMPTY_CONFIG_BYTES, { digest: EMPTY_CONFIG_DIGEST, size: 2 });
      await store.pushManifest(REPO, built.descriptor.digest, built.bytes, MEDIA_TYPE_IMAGE_MANIFEST);
      // ORAS-like: no h1/title on the entry, an extra annotation, an entry of another artifact type.
      const foreignEntry = {
        ...built.descriptor,
        annotations: { 'com.example.note': 'kept' },
        platform: { architecture: 'amd64', os: 'linux' },
      };
      const sbom = {
        mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
        digest: built.descriptor.digest,
        size: built.descriptor.size,
        artifactType: 'application/spdx+json',
      };
      const foreign = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_TYPE_IMAGE_INDEX,
          artifactType: 'application/vnd.opentofu.provider',
          manifests: [{ ...foreignEntry, artifactType: 'application/vnd.opentofu.provider-target' }, sbom],
          annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
        }),
      );
      await store.pushManifest(REPO, TAG, foreign, MEDIA_TYPE_IMAGE_INDEX);
      const same = await storeMirroredVersion(deps, await input(deps, ['linux_amd64']), caller);
      assert.deepEqual(same.added, []);
      const r = await storeMirroredVersion(deps, await input(deps, ['darwin_arm64']), caller);
      assert.deepEqual(r.added, ['darwin_arm64']);
      const body = JSON.parse((await stored(store)).bytes.toString());
      const before = JSON.parse(foreign.toString());
      assert.deepEqual(body.manifests[1], before.manifests[0]); // linux entry, as it was
      assert.equal(JSON.stringify(body.manifests[1]), JSON.stringify(before.manifests[0]));
      assert.deepEqual(body.manifests[2], before.manifests[1]); // the other artifact, after the platforms
      assert.equal(body.manifests[0].platform.os, 'darwin');
      assert.equal(body.annotations['org.opencontainers.image.created'], '2024-01-01T00:00:00Z');
      assert.equal(body.annotations['io.tf-oci-registry.protocols'], '5.0,6.0');
    });
  });
}

/** What another replica would push from an old read: an index of `keys` (their zips already pushed). */
async function staleIndex(store: OciStore, keys: string[]): Promise<Buffer> {
  const entries: Descriptor[] = [];
  for (const k of keys) {
    const z = zipOf(k);
    const built = buildPlatformManifest({
      ...z.platform,
      filename: z.filename,
      zip: { mediaType: MEDIA_TYPE_ZIP, digest: sha256Digest(z.bytes), size: z.bytes.length },
      h1: z.h1,
    });
    await store.pushManifest(REPO, built.descriptor.digest, built.bytes, MEDIA_TYPE_IMAGE_MANIFEST);
    entries.push(built.entry);
  }
  const annotations = providerIndexAnnotations({ version: VERSION, protocols: PROTOCOLS, mirroredFrom: 'registry.terraform.io' });
  return buildProviderIndex({ platforms: entries, annotations }).bytes;
}
