// The store contract against the image-layout store in a temp dir, plus what is specific to it: the
// on-disk layout (oci-layout, index.json with ref.name annotations, blobs/sha256), atomicity (no temp
// files left after refused uploads), reopening, and names that would escape or collide.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { createLayoutStore } from '../../src/oci/layout-store.js';
import { sha256Digest } from '../../src/oci/store-support.js';
import { MEDIA_TYPE_IMAGE_INDEX } from '../../src/oci/types.js';
import { expectCode, pushProviderRelease } from './contract-fixtures.js';
import { storeContract } from './store-contract.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tf-oci-layout-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

storeContract('image layout', async () => ({ store: createLayoutStore({ path: tempDir() }) }));

describe('layout store on disk', () => {
  it('writes a valid image layout per repository with tags as ref.name annotations', async () => {
    const root = tempDir();
    const store = createLayoutStore({ path: root });
    const rel = await pushProviderRelease(store, 'providers/example/foo', '1.2.3', {});
    const dir = join(root, 'providers', 'example', 'foo');
    assert.equal(readFileSync(join(dir, 'oci-layout'), 'utf8'), '{"imageLayoutVersion":"1.0.0"}');
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
      schemaVersion: number;
      mediaType: string;
      manifests: Array<{ digest: string; mediaType: string; annotations?: Record<string, string> }>;
    };
    assert.equal(index.schemaVersion, 2);
    assert.equal(index.mediaType, MEDIA_TYPE_IMAGE_INDEX);
    const tagged = index.manifests.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] === '1.2.3');
    assert.equal(tagged.length, 1);
    assert.equal(tagged[0]?.digest, rel.index.digest);
    // the two platform manifests are recorded untagged
    assert.equal(index.manifests.filter((m) => m.annotations === undefined).length, 2);
    const blob = readFileSync(join(dir, 'blobs', 'sha256', rel.index.digest.slice(7)));
    assert.ok(blob.equals(rel.index.bytes));
  });

  it('leaves no temp files behind after refused uploads', async () => {
    const root = tempDir();
    const store = createLayoutStore({ path: root });
    const bytes = randomBytes(10_000);
    await expectCode(store.pushBlob('a/b', Readable.from([bytes]), { digest: sha256Digest(Buffer.from('x')) }), 'DIGEST_MISMATCH');
    await expectCode(store.pushBlob('a/b', Readable.from([bytes]), { maxSize: 100 }), 'TOO_LARGE');
    const failing = new Readable({
      read() {
        this.destroy(new Error('client went away'));
      },
    });
    await assert.rejects(store.pushBlob('a/b', failing), /client went away/);
    assert.deepEqual(readdirSync(join(root, 'a', 'b', 'blobs', 'sha256')), []);
  });

  it('is readable by a new store instance on the same directory', async () => {
    const root = tempDir();
    const rel = await pushProviderRelease(createLayoutStore({ path: root }), 'x/y', 'v1', {});
    const reopened = createLayoutStore({ path: root });
    assert.deepEqual(await reopened.listTags('x/y'), ['v1']);
    assert.ok((await reopened.fetchManifest('x/y', 'v1')).bytes.equals(rel.index.bytes));
  });

  it('nests repositories without collisions and refuses names that would collide or escape', async () => {
    const root = tempDir();
    const store = createLayoutStore({ path: root });
    await pushProviderRelease(store, 'a', 'v1', {});
    await pushProviderRelease(store, 'a/blobs', 'v1', {});
    await pushProviderRelease(store, 'a/blobs/sha256', 'v1', {});
    assert.deepEqual(await store.listTags('a'), ['v1']);
    assert.deepEqual(await store.listTags('a/blobs/sha256'), ['v1']);
    await expectCode(store.listTags('a/index.json'), 'INVALID');
    await expectCode(store.listTags('a/oci-layout'), 'INVALID');
    await expectCode(store.pushBlob(`a/blobs/sha256/${'0'.repeat(64)}`, Buffer.from('x')), 'INVALID');
    await expectCode(store.pushBlob('../outside', Buffer.from('x')), 'INVALID');
    assert.equal(existsSync(join(root, '..', 'outside')), false);
  });
});
