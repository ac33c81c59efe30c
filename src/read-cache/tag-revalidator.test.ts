// Tests of the background revalidation of the shared tag -> digest cache: confirm, move, drop, failures
// only logged, one job per tag, a global bound on HEADs in flight, and no write-back over a newer entry.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { OciError } from '../oci/errors.js';
import { createMemoryStore } from '../oci/memory-store.js';
import type { OciStore } from '../oci/store.js';
import { MEDIA_TYPE_IMAGE_INDEX, type Descriptor } from '../oci/types.js';
import { RepositoryEpochs } from './epochs.js';
import { TagDigestCache } from './tag-digests.js';
import { TagRevalidator } from './tag-revalidator.js';

const REPO = 'tf/providers/h/acme/x';
const index = (n: number) =>
  Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_INDEX, manifests: [], annotations: { n: String(n) } }));

function setup(store: OciStore, opts: { concurrency?: number } = {}) {
  const clock = { now: 0 };
  const lines: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write: (c, _e, cb) => {
        lines.push(String(c));
        cb();
      },
    }),
  );
  const digests = new TagDigestCache({ revalidateMs: 300_000, maxEntries: 100, now: () => clock.now });
  const epochs = new RepositoryEpochs();
  const revalidator = new TagRevalidator({ store, digests, epochs, logger, retryMs: 10_000, ...opts });
  return { clock, lines, digests, epochs, revalidator };
}

describe('TagRevalidator', () => {
  it('confirms an unchanged tag, moves a changed one (epoch bumped), drops a deleted one', async () => {
    const store = createMemoryStore();
    const a = await store.pushManifest(REPO, '1.0.0', index(1), MEDIA_TYPE_IMAGE_INDEX);
    const b = await store.pushManifest(REPO, '2.0.0', index(2), MEDIA_TYPE_IMAGE_INDEX);
    const c = await store.pushManifest(REPO, '3.0.0', index(3), MEDIA_TYPE_IMAGE_INDEX);
    const t = setup(store);
    for (const [tag, d] of [
      ['1.0.0', a],
      ['2.0.0', b],
      ['3.0.0', c],
    ] as Array<[string, Descriptor]>)
      t.digests.set(REPO, tag, d);
    t.clock.now = 300_000;
    const entry = (tag: string) => t.digests.get(REPO, tag)!;
    assert.ok(t.digests.isStale(entry('1.0.0')), 'due after the interval');

    const moved = await store.pushManifest(REPO, '2.0.0', index(22), MEDIA_TYPE_IMAGE_INDEX);
    await store.deleteManifest(REPO, c.digest);
    const epoch = t.epochs.get(REPO);
    for (const tag of ['1.0.0', '2.0.0', '3.0.0']) t.revalidator.schedule(REPO, tag, entry(tag), undefined);
    assert.equal(store.calls.resolveManifest, 0, 'nothing runs on the scheduling (request) path');
    await t.revalidator.idle();

    assert.equal(store.calls.resolveManifest, 3);
    assert.equal(entry('1.0.0').descriptor.digest, a.digest);
    assert.ok(!t.digests.isStale(entry('1.0.0')), 'confirmed: fresh for another interval');
    assert.equal(entry('2.0.0').descriptor.digest, moved.digest, 'moved');
    assert.equal(t.digests.get(REPO, '3.0.0'), undefined, 'dropped');
    assert.notEqual(t.epochs.get(REPO), epoch, 'memoized results of the repository are invalidated');
    assert.deepEqual({ ...t.revalidator.stats }, { scheduled: 3, confirmed: 1, moved: 1, removed: 1, failed: 0, dropped: 0 });
  });

  it('only logs a failure, and retries after retryMs; one job per tag at a time', async () => {
    const store = createMemoryStore();
    const d = await store.pushManifest(REPO, '1.0.0', index(1), MEDIA_TYPE_IMAGE_INDEX);
    const failing: OciStore = {
      ...store,
      resolveManifest: async () => {
        throw new OciError('UNAVAILABLE', 'registry down');
      },
    };
    const t = setup(failing);
    t.digests.set(REPO, '1.0.0', d);
    t.clock.now = 300_000;
    const e = t.digests.get(REPO, '1.0.0')!;
    t.revalidator.schedule(REPO, '1.0.0', e, undefined);
    t.revalidator.schedule(REPO, '1.0.0', e, undefined);
    await t.revalidator.idle();
    assert.equal(t.revalidator.stats.scheduled, 1, 'a second request for the same tag joins the pending job');
    assert.equal(t.revalidator.stats.failed, 1);
    assert.equal(t.digests.get(REPO, '1.0.0'), e, 'still served');
    assert.ok(!t.digests.isStale(e));
    t.clock.now += 10_000;
    assert.ok(t.digests.isStale(e), 'retried after retryMs');
    assert.ok(t.lines.some((l) => l.includes('background revalidation of a tag failed') && l.includes('registry down')));
  });

  it('keeps at most `concurrency` HEADs in flight, and never writes over a newer entry', async () => {
    const store = createMemoryStore();
    const tags = Array.from({ length: 12 }, (_, i) => `1.0.${i}`);
    const descs = new Map<string, Descriptor>();
    for (const [i, tag] of tags.entries()) descs.set(tag, await store.pushManifest(REPO, tag, index(i), MEDIA_TYPE_IMAGE_INDEX));
    let inFlight = 0;
    let peak = 0;
    const slow: OciStore = {
      ...store,
      resolveManifest: async (r, ref, o) => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((res) => setTimeout(res, 10));
        inFlight--;
        return store.resolveManifest(r, ref, o);
      },
    };
    const t = setup(slow, { concurrency: 4 });
    for (const tag of tags) t.digests.set(REPO, tag, descs.get(tag)!);
    t.clock.now = 300_000;
    for (const tag of tags) t.revalidator.schedule(REPO, tag, t.digests.get(REPO, tag)!, undefined);
    // Invalidation while the checks run (a publish on this replica): nothing may be written back.
    await new Promise((res) => setImmediate(res));
    t.digests.deleteRepository(REPO);
    await t.revalidator.idle();
    assert.equal(peak, 4);
    assert.equal(t.digests.size, 0, 'forgotten entries stay forgotten');
  });
});
