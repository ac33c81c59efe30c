// ONE behavioural contract for every OciStore (memory, image layout, real Distribution with and without
// auth): what the layers above may rely on. Each target runs it with its own setup; repositories are
// unique per test so the suite can share one store.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { isOciError, type OciErrorCode } from '../../src/oci/errors.js';
import type { CallOptions, OciStore } from '../../src/oci/store.js';
import { sha256Digest } from '../../src/oci/store-support.js';
import { MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_MANIFEST, type Digest } from '../../src/oci/types.js';
import type { RegistryQuirks } from '../support/registry-implementations.js';
import { collect, expectCode, pushProviderRelease, uniqueRepo } from './contract-fixtures.js';

export interface ContractTarget {
  store: OciStore;
  /** Options passed to every call (e.g. a per-call credential). */
  opts?: CallOptions;
  teardown?: () => Promise<void>;
  /** Where a registry departs from the OCI distribution spec (docs/registries.md); each is asserted as such. */
  quirks?: RegistryQuirks;
}

/** Registers the contract suite for one store. */
export function storeContract(name: string, setup: () => Promise<ContractTarget>, suiteOpts: { skip?: string } = {}): void {
  describe(`OciStore contract: ${name}`, suiteOpts, () => {
    let store: OciStore;
    let o: CallOptions;
    let target: ContractTarget;
    before(async () => {
      target = await setup();
      store = target.store;
      o = target.opts ?? {};
    });
    after(async () => target?.teardown?.());

    it('answers ping', async () => {
      await store.ping(o);
    });

    it('pushes a blob from a stream, stats and fetches it byte-identical', async () => {
      const repo = uniqueRepo('stream');
      const parts = [randomBytes(100_000), randomBytes(1), randomBytes(200_000)];
      const whole = Buffer.concat(parts);
      const desc = await store.pushBlob(repo, Readable.from(parts), o);
      assert.equal(desc.digest, sha256Digest(whole));
      assert.equal(desc.size, whole.length);
      assert.deepEqual(await store.statBlob(repo, desc.digest, o), { size: whole.length });
      const fetched = await store.fetchBlob(repo, desc.digest, o);
      assert.equal(fetched.size, whole.length);
      assert.equal(fetched.digest, desc.digest);
      assert.ok((await collect(fetched.body)).equals(whole));
      const sizeOnly = await store.fetchBlob(repo, desc.digest, { ...o, verify: 'size' });
      assert.equal(sizeOnly.size, whole.length);
      assert.ok((await collect(sizeOnly.body)).equals(whole), "verify: 'size' streams the same bytes");
    });

    it('pushes a blob from a Buffer (twice: idempotent) and an empty blob', async () => {
      const repo = uniqueRepo('buffer');
      const bytes = randomBytes(4321);
      const a = await store.pushBlob(repo, bytes, o);
      const b = await store.pushBlob(repo, bytes, { ...o, digest: sha256Digest(bytes), size: bytes.length });
      assert.deepEqual([a.digest, a.size], [sha256Digest(bytes), 4321]);
      assert.deepEqual([b.digest, b.size], [a.digest, a.size]);
      const empty = await store.pushBlob(repo, Readable.from([]), o);
      assert.equal(empty.size, 0);
      assert.equal(empty.digest, sha256Digest(Buffer.alloc(0)));
      assert.equal((await collect((await store.fetchBlob(repo, empty.digest, o)).body)).length, 0);
    });

    it('skips the upload when the digest is already present', async () => {
      const repo = uniqueRepo('skip');
      const bytes = randomBytes(1000);
      const first = await store.pushBlob(repo, bytes, o);
      const untouchable = new Readable({
        read() {
          this.destroy(new Error('the stream must not be read'));
        },
      });
      const again = await store.pushBlob(repo, untouchable, { ...o, digest: first.digest, size: 1000 });
      assert.deepEqual([again.digest, again.size], [first.digest, 1000]);
    });

    it('refuses a blob whose digest does not match, and stores nothing', async () => {
      const repo = uniqueRepo('badDigest');
      const bytes = randomBytes(5000);
      const claimed = sha256Digest(Buffer.from('something else'));
      await expectCode(store.pushBlob(repo, Readable.from([bytes]), { ...o, digest: claimed }), 'DIGEST_MISMATCH');
      await expectCode(store.pushBlob(repo, bytes, { ...o, digest: claimed }), 'DIGEST_MISMATCH');
      assert.equal(await store.statBlob(repo, claimed, o), null);
      assert.equal(await store.statBlob(repo, sha256Digest(bytes), o), null);
    });

    it('refuses a blob whose size does not match', async () => {
      const repo = uniqueRepo('badSize');
      const bytes = randomBytes(3000);
      await expectCode(store.pushBlob(repo, Readable.from([bytes]), { ...o, size: 2999 }), 'SIZE_MISMATCH');
      await expectCode(store.pushBlob(repo, Readable.from([bytes]), { ...o, size: 3001 }), 'SIZE_MISMATCH');
      await expectCode(store.pushBlob(repo, bytes, { ...o, size: 10 }), 'SIZE_MISMATCH');
      assert.equal(await store.statBlob(repo, sha256Digest(bytes), o), null);
    });

    it('cuts a stream off past maxSize without reading all of it', async () => {
      const repo = uniqueRepo('tooLarge');
      let produced = 0;
      const chunk = randomBytes(64 * 1024);
      const endless = new Readable({
        read() {
          produced += chunk.length;
          this.push(produced > 64 * 1024 * 1024 ? null : chunk);
        },
      });
      await expectCode(store.pushBlob(repo, endless, { ...o, maxSize: 1024 * 1024 }), 'TOO_LARGE');
      assert.ok(produced < 16 * 1024 * 1024, `read ${produced} bytes of an oversized stream`);
    });

    it('pushes the OpenTofu provider layout and reads it back byte-identical', async () => {
      const repo = uniqueRepo('provider');
      const rel = await pushProviderRelease(store, repo, '1.2.3_build.1', o);
      const resolved = await store.resolveManifest(repo, '1.2.3_build.1', o);
      assert.deepEqual(resolved, { mediaType: MEDIA_TYPE_IMAGE_INDEX, digest: rel.index.digest, size: rel.index.bytes.length });
      for (const ref of ['1.2.3_build.1', rel.index.digest]) {
        const m = await store.fetchManifest(repo, ref, o);
        assert.ok(m.bytes.equals(rel.index.bytes), `index bytes differ when fetched by ${ref}`);
        assert.deepEqual(m.descriptor, resolved);
      }
      for (const child of rel.platforms) {
        const m = await store.fetchManifest(repo, child.digest, o);
        assert.ok(m.bytes.equals(child.bytes));
        assert.equal(m.descriptor.mediaType, MEDIA_TYPE_IMAGE_MANIFEST);
        assert.equal((await store.resolveManifest(repo, child.digest, o)).size, child.bytes.length);
        const zip = await store.fetchBlob(repo, child.zip.digest, o);
        assert.ok((await collect(zip.body)).equals(child.zip.bytes));
      }
      const parsed = JSON.parse(rel.index.bytes.toString('utf8')) as { artifactType: string; manifests: Array<{ artifactType: string }> };
      assert.equal(parsed.artifactType, 'application/vnd.opentofu.provider');
      assert.deepEqual(
        parsed.manifests.map((m) => m.artifactType),
        ['application/vnd.opentofu.provider-target', 'application/vnd.opentofu.provider-target'],
      );
    });

    it('keeps artifactType, annotations and formatting byte-for-byte', async () => {
      const repo = uniqueRepo('bytes');
      const rel = await pushProviderRelease(store, repo, 'base', o);
      const odd = Buffer.from(
        `{\n   "schemaVersion": 2,\t"mediaType": "${MEDIA_TYPE_IMAGE_INDEX}",\n` +
          `"artifactType": "application/vnd.example+type", "annotations": {"z": "last", "a": "ünïcödé ✓", "x.y": ""},\n` +
          `"manifests": [${rel.platforms[0]?.descriptorJson}], "unknownField": [1, {"b": null}]\n}\n`,
      );
      const pushed = await store.pushManifest(repo, 'odd', odd, MEDIA_TYPE_IMAGE_INDEX, o);
      assert.equal(pushed.digest, sha256Digest(odd));
      const back = await store.fetchManifest(repo, 'odd', o);
      assert.ok(back.bytes.equals(odd));
      assert.equal(back.descriptor.digest, sha256Digest(odd));
    });

    it('lists tags and moves a tag to a new manifest', async () => {
      const repo = uniqueRepo('tags');
      const a = await pushProviderRelease(store, repo, '1.0.0', o);
      await store.pushManifest(repo, '1.0.1', a.index.bytes, MEDIA_TYPE_IMAGE_INDEX, o);
      await store.pushManifest(repo, 'latest', a.index.bytes, MEDIA_TYPE_IMAGE_INDEX, o);
      assert.deepEqual((await store.listTags(repo, o)).sort(), ['1.0.0', '1.0.1', 'latest']);
      const b = await pushProviderRelease(store, repo, 'latest', o, 'v2');
      assert.notEqual(b.index.digest, a.index.digest);
      assert.equal((await store.resolveManifest(repo, 'latest', o)).digest, b.index.digest);
      assert.equal((await store.resolveManifest(repo, '1.0.0', o)).digest, a.index.digest);
    });

    it('pushes many tags concurrently without losing any', async () => {
      const repo = uniqueRepo('concurrent');
      const rel = await pushProviderRelease(store, repo, 'first', o);
      const tags = Array.from({ length: 20 }, (_, i) => `c${i}`);
      await Promise.all(tags.map((t) => store.pushManifest(repo, t, rel.index.bytes, MEDIA_TYPE_IMAGE_INDEX, o)));
      assert.deepEqual((await store.listTags(repo, o)).sort(), ['first', ...tags].sort());
    });

    it('answers NOT_FOUND for an unknown repository, tag, manifest or blob', async () => {
      const repo = uniqueRepo('missing');
      const nothing = sha256Digest(Buffer.from('nothing here')) as Digest;
      await expectCode(store.listTags(repo, o), 'NOT_FOUND');
      await expectCode(store.resolveManifest(repo, 'v1', o), 'NOT_FOUND');
      await expectCode(store.fetchManifest(repo, nothing, o), 'NOT_FOUND');
      await expectCode(store.fetchBlob(repo, nothing, o), 'NOT_FOUND');
      assert.equal(await store.statBlob(repo, nothing, o), null);
      const rel = await pushProviderRelease(store, repo, 'v1', o);
      await expectCode(store.resolveManifest(repo, 'v2', o), 'NOT_FOUND');
      await expectCode(store.fetchManifest(repo, 'v2', o), 'NOT_FOUND');
      await expectCode(store.fetchBlob(repo, nothing, o), 'NOT_FOUND');
      await expectCode(store.deleteManifest(repo, nothing, o), 'NOT_FOUND');
      assert.ok(rel.index.digest);
    });

    it('deleting a manifest removes every tag pointing at it', async () => {
      const repo = uniqueRepo('delete');
      const a = await pushProviderRelease(store, repo, 'a1', o);
      await store.pushManifest(repo, 'a2', a.index.bytes, MEDIA_TYPE_IMAGE_INDEX, o);
      const b = await pushProviderRelease(store, repo, 'b1', o, 'other');
      await store.deleteManifest(repo, a.index.digest, o);
      if (target.quirks?.keepsTagsOfDeletedManifest) {
        // Spec: "any tag pointing to that digest will return a 404"; this registry keeps serving the tags.
        assert.deepEqual(await store.listTags(repo, o), ['a1', 'a2', 'b1']);
        assert.equal((await store.resolveManifest(repo, 'a1', o)).digest, a.index.digest);
        return;
      }
      assert.deepEqual(await store.listTags(repo, o), ['b1']);
      await expectCode(store.resolveManifest(repo, 'a1', o), 'NOT_FOUND');
      await expectCode(store.fetchManifest(repo, a.index.digest, o), 'NOT_FOUND');
      assert.equal((await store.resolveManifest(repo, 'b1', o)).digest, b.index.digest);
      await store.deleteManifest(repo, b.index.digest, o);
      assert.deepEqual(await store.listTags(repo, o), []);
    });

    it('deleting a manifest with its tags named removes them on every registry (crane keeps them otherwise)', async () => {
      const repo = uniqueRepo('deltags');
      const a = await pushProviderRelease(store, repo, 'a1', o);
      await store.pushManifest(repo, 'a2', a.index.bytes, MEDIA_TYPE_IMAGE_INDEX, o);
      const b = await pushProviderRelease(store, repo, 'b1', o, 'other');
      // b1 names another manifest: a tag that moved is never deleted with a manifest it no longer names.
      await store.deleteManifest(repo, a.index.digest, { ...o, tags: ['a1', 'a2', 'b1'] });
      assert.deepEqual(await store.listTags(repo, o), ['b1']);
      await expectCode(store.resolveManifest(repo, 'a1', o), 'NOT_FOUND');
      await expectCode(store.resolveManifest(repo, 'a2', o), 'NOT_FOUND');
      assert.equal((await store.resolveManifest(repo, 'b1', o)).digest, b.index.digest);
    });

    it('refuses manifests with missing references or a wrong digest reference', async () => {
      const repo = uniqueRepo('refs');
      const rel = await pushProviderRelease(store, repo, 'ok', o);
      const ghost = sha256Digest(Buffer.from('ghost'));
      const orphan = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
          config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: ghost, size: 5 },
          layers: [],
        }),
      );
      // Our client checks the digest reference before sending: every store refuses that.
      await expectCode(store.pushManifest(repo, ghost, rel.index.bytes, MEDIA_TYPE_IMAGE_INDEX, o), 'DIGEST_MISMATCH');
      if (target.quirks?.acceptsDanglingReferences) {
        // The registry stores a manifest whose config blob it does not have (tf-oci-registry pushes blobs first).
        await store.pushManifest(repo, 'orphan', orphan, MEDIA_TYPE_IMAGE_MANIFEST, o);
        return;
      }
      await expectCode(store.pushManifest(repo, 'orphan', orphan, MEDIA_TYPE_IMAGE_MANIFEST, o), 'INVALID');
      await expectCode(store.resolveManifest(repo, 'orphan', o), 'NOT_FOUND');
    });

    it('mounts a blob from another repository', async () => {
      const from = uniqueRepo('mountFrom');
      const to = uniqueRepo('mountTo');
      const bytes = randomBytes(2048);
      const desc = await store.pushBlob(from, bytes, o);
      // A registry without cross-repository mounts answers with an upload session: false, the caller pushes.
      assert.equal(await store.mountBlob(to, desc.digest, from, o), !target.quirks?.noCrossRepositoryMount);
      if (target.quirks?.noCrossRepositoryMount) await store.pushBlob(to, bytes, o);
      assert.deepEqual(await store.statBlob(to, desc.digest, o), { size: 2048 });
      assert.ok((await collect((await store.fetchBlob(to, desc.digest, o)).body)).equals(bytes));
      const absent = sha256Digest(Buffer.from('not in the source'));
      assert.equal(await store.mountBlob(to, absent, from, o), false);
      assert.equal(await store.statBlob(to, absent, o), null);
    });

    it('deletes a blob, and blobRedirect is null where the store serves bytes itself', async () => {
      const repo = uniqueRepo('deleteBlob');
      const desc = await store.pushBlob(repo, randomBytes(100), o);
      assert.equal(await store.blobRedirect(repo, desc.digest, o), null);
      await store.deleteBlob(repo, desc.digest, o);
      assert.equal(await store.statBlob(repo, desc.digest, o), null);
      await expectCode(store.fetchBlob(repo, desc.digest, o), 'NOT_FOUND');
    });

    it('rejects invalid repository names and references before any I/O', async () => {
      const digest = sha256Digest(Buffer.from('x'));
      for (const bad of ['../escape', '/abs', 'Upper/case', 'a//b', 'a/../b', '']) {
        await expectCode(store.statBlob(bad, digest, o), 'INVALID' satisfies OciErrorCode);
        await expectCode(store.listTags(bad, o), 'INVALID');
      }
      await expectCode(store.resolveManifest('ok/name', '1.2.3+build', o), 'INVALID');
      await expectCode(store.fetchManifest('ok/name', '../x', o), 'INVALID');
      assert.ok(isOciError(await store.statBlob('ok/name', 'sha256:abc' as Digest, o).catch((e: unknown) => e), 'INVALID'));
    });
  });
}
