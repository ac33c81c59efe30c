// Resource ids, record tags, the in-process lock and the record store (memory store): the pieces that
// keep all publishing state in the OCI registry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../core/app-error.js';
import { createMemoryStore } from '../oci/memory-store.js';
import { TAG_RE } from '../oci/types.js';
import { buildTestApp } from '../../test/support/test-app.js';
import {
  gpgKeyId,
  gpgKeyTag,
  parseGpgKeyId,
  parseProviderId,
  parseVersionId,
  providerId,
  providerTag,
  versionId,
  versionTag,
} from './ids.js';
import { KeyedLock } from '../core/keyed-lock.js';
import { createRecordStore } from '../core/record-store.js';
import { draftTag, recordsRepository, tagPrefixes } from '../layout/records.js';

const notFound = (fn: () => unknown): void => assert.throws(fn, (e: unknown) => e instanceof AppError && e.code === 'NOT_FOUND');

describe('resource ids and record tags', () => {
  it('round-trips every id', () => {
    const fpr = 'ABCDEF0123456789ABCDEF0123456789ABCDEF01';
    assert.equal(gpgKeyId({ namespace: 'acme', fingerprint: fpr }), `gpg-acme.${fpr.toLowerCase()}`);
    assert.deepEqual(parseGpgKeyId(`gpg-acme.${fpr.toLowerCase()}`), { namespace: 'acme', fingerprint: fpr });
    assert.deepEqual(parseProviderId(providerId({ namespace: 'my-org', type: 'my-cloud' })), { namespace: 'my-org', type: 'my-cloud' });
    const v = { namespace: 'acme', type: 'widget', version: '1.2.3-rc.1+b.7' };
    assert.equal(versionId(v), 'ver-acme.widget.1.2.3-rc.1_b.7');
    assert.deepEqual(parseVersionId(versionId(v)), v);
  });

  it('refuses ids that name nothing (404), including non-canonical spellings', () => {
    for (const id of [
      'prv-acme',
      'prv-.x',
      'prv-Acme.widget',
      'prv-acme.1x',
      'ver-acme.widget',
      'ver-acme.widget.v1.0.0',
      'ver-acme.widget.1.0',
      'gpg-acme.xyz',
      `gpg-acme.${'A'.repeat(40)}`,
      'nope',
    ]) {
      notFound(() => (id.startsWith('gpg') ? parseGpgKeyId(id) : id.startsWith('ver') ? parseVersionId(id) : parseProviderId(id)));
    }
  });

  it('a 404 for a gpg key id spelled as gpg prints it says what the id is', () => {
    const fpr = 'ABCDEF0123456789ABCDEF0123456789ABCDEF01';
    assert.throws(() => parseGpgKeyId(`gpg-acme.${fpr}`), {
      message: `no GPG key with id "gpg-acme.${fpr}": GPG key ids are gpg-<namespace>.<fingerprint: 40 hex digits, lower case>, i.e. gpg-acme.${fpr.toLowerCase()}`,
    });
    assert.throws(() => parseGpgKeyId(fpr.slice(-16)), {
      message: /\(a 16-digit key id is not one\); GET \/api\/v1\/gpg-keys\?filter\[namespace\]=<namespace> lists them$/,
    });
    assert.throws(() => parseGpgKeyId(fpr), { message: /\(a bare fingerprint is not one\)/ });
  });

  it('keeps tags within the OCI grammar, shortening long ones without collisions', () => {
    const ns = `n${'a'.repeat(63)}`;
    const type = `t${'b'.repeat(63)}`;
    const long = providerTag({ namespace: ns, type });
    assert.match(long, new RegExp(`^provider\\.${ns}\\.sha_[0-9a-f]{40}$`));
    assert.ok(TAG_RE.test(long));
    assert.notEqual(providerTag({ namespace: ns, type: `${type.slice(0, -1)}c` }), long);
    assert.equal(providerTag({ namespace: 'acme', type: 'widget' }), 'provider.acme.widget');
    const vt = versionTag({ namespace: ns, type: 'w', version: `1.0.0-${'x'.repeat(60)}` });
    assert.ok(TAG_RE.test(vt) && vt.startsWith(`version.${ns}.sha_`), vt);
    assert.ok(
      tagPrefixes('version', ns, 'w').some((p) => vt.startsWith(p)),
      'the short form is found by the provider listing',
    );
    assert.ok(TAG_RE.test(gpgKeyTag({ namespace: ns, fingerprint: 'A'.repeat(40) })));
    assert.equal(draftTag('1.0.0+b'), 'draft.1.0.0_b');
    assert.ok(TAG_RE.test(draftTag(`1.0.0-${'x'.repeat(120)}`)), 'a 126-character version still gets a draft tag');
  });
});

describe('KeyedLock', () => {
  it('runs holders of one key one at a time, in order, and other keys in parallel', async () => {
    // Ordered by promises, not by timer lengths: a loaded machine may fire timers late and out of order.
    const lock = new KeyedLock();
    const log: string[] = [];
    let releaseA1!: () => void;
    const a1Gate = new Promise<void>((r) => (releaseA1 = r));
    const a1 = lock.run('a', async () => {
      log.push('a1+');
      await a1Gate;
      log.push('a1-');
    });
    const a2 = lock.run('a', async () => {
      log.push('a2+');
      log.push('a2-');
    });
    const b1 = lock.run('b', async () => {
      log.push('b1+');
      log.push('b1-');
    });
    // Key b runs while key a is held (a1 waits for its gate): were b to wait for a, this would time out.
    await Promise.race([b1, new Promise((_, reject) => setTimeout(() => reject(new Error('key b waited for key a')), 30_000).unref())]);
    assert.ok(!log.includes('a1-') && !log.includes('a2+'), 'a2 ran while a1 held the key');
    assert.equal(lock.isHeld('a'), true);
    releaseA1();
    await Promise.all([a1, a2]);
    assert.deepEqual(
      log.filter((l) => l.startsWith('a')),
      ['a1+', 'a1-', 'a2+', 'a2-'],
    );
    assert.equal(lock.isHeld('a'), false);
  });

  it('tryRun refuses at once while the key is held, and frees the key after a failure', async () => {
    const lock = new KeyedLock();
    let release!: () => void;
    const held = lock.run('k', () => new Promise<void>((r) => (release = r)));
    await assert.rejects(
      lock.tryRun(
        'k',
        async () => 1,
        () => {
          throw new Error('busy');
        },
      ),
      /busy/,
    );
    release();
    await held;
    await assert.rejects(
      lock.run('k', async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(
      await lock.tryRun(
        'k',
        async () => 2,
        () => {
          throw new Error('busy');
        },
      ),
      2,
    );
  });
});

describe('record store', () => {
  it('puts, reads, lists by prefix, replaces and deletes records in <prefix>/records', async () => {
    const store = createMemoryStore();
    const { deps } = buildTestApp(store);
    const records = createRecordStore(deps);
    assert.equal(records.repository, 'tf/records');
    assert.equal(recordsRepository(''), 'records');
    assert.equal(await records.get('provider', 'provider.acme.w', { principal: 'service' }), null);
    assert.deepEqual(await records.list('provider', ['provider.'], { principal: 'service' }), []);

    const caller = { principal: 'service' };
    const a = await records.put('provider', 'provider.acme.a', { n: 1 }, caller);
    await records.put('provider', 'provider.other.b', { n: 2 }, caller);
    await records.put('gpg-key', 'gpg-key.acme.x', { n: 3 }, caller);
    assert.deepEqual((await records.get('provider', 'provider.acme.a', caller))?.data, { n: 1 });
    assert.deepEqual(
      (await records.list('provider', ['provider.acme.'], caller)).map((r) => r.data),
      [{ n: 1 }],
    );
    assert.equal((await records.list('provider', ['provider.'], caller)).length, 2);

    const same = await records.put('provider', 'provider.other.c', { n: 1 }, caller);
    assert.notEqual(same.digest, a.digest, 'identical data never shares a digest (a delete cannot take another tag)');
    const b = await records.put('provider', 'provider.acme.a', { n: 9 }, caller);
    assert.deepEqual((await records.get('provider', 'provider.acme.a', caller))?.data, { n: 9 });
    await records.remove(b, caller);
    assert.equal(await records.get('provider', 'provider.acme.a', caller), null);
    assert.deepEqual((await records.get('provider', 'provider.other.c', caller))?.data, { n: 1 });
    await records.remove(b, caller); // already gone: fine

    const { bytes } = await store.fetchManifest('tf/records', 'provider.other.c');
    const manifest = JSON.parse(bytes.toString());
    assert.equal(manifest.artifactType, 'application/vnd.tf-oci-registry.provider.v1');
    assert.equal(manifest.config.mediaType, 'application/vnd.tf-oci-registry.record.v1+json');
    assert.equal(manifest.layers.length, 1, 'one empty layer, for registries that refuse zero layers');
  });

  it('reads a record with one HEAD when its revision is cached', async () => {
    const store = createMemoryStore();
    const { deps } = buildTestApp(store);
    const records = createRecordStore(deps);
    const caller = { principal: 'service' };
    await records.put('provider', 'provider.acme.a', { n: 1 }, caller);
    store.resetCalls();
    await records.get('provider', 'provider.acme.a', caller);
    assert.equal(store.calls.resolveManifest, 1);
    assert.equal(store.calls.fetchManifest, 0);
  });
});
