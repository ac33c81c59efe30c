// Compaction of usage records (src/usage/usage-compaction.ts, docs/operations.md#usage): three replicas
// write their day; after the day ended, compaction leaves ONE record for it, while queries from any
// replica give the same totals before, during and after, even when a replica writes the ended day late
// and when two replicas compact at once; nothing is counted twice or lost.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { ContentCache } from '../../src/core/lru-cache.js';
import { recordsRepository } from '../../src/layout/records.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { MERGED_REPLICA, planDay, resolveDays } from '../../src/usage/usage-compaction.js';
import type { UsageEvent } from '../../src/usage/usage-event.js';
import { UsageReport } from '../../src/usage/usage-report.js';

const SUBJECT = 'registry.example.test/acme/widget';
const FLUSH = 300;
const service = { principal: 'service' };

function event(version: string, caller: string, client = 'Terraform/1.8.5'): UsageEvent {
  return { action: 'download', kind: 'provider', subject: SUBJECT, version, platform: 'linux_amd64', caller, client };
}

function setup() {
  const store = createMemoryStore();
  const clock = { now: Date.parse('2026-11-03T10:00:00Z') };
  const logLines: string[] = [];
  const sink = new Writable({
    write: (c, _e, cb) => {
      logLines.push(String(c));
      cb();
    },
  });
  const logger = pino({ level: 'warn' }, sink);
  const replica = (name: string) =>
    new UsageReport({
      store,
      content: new ContentCache(8 * 1024 * 1024),
      logger,
      prefix: 'tf',
      registryHostname: 'registry.example.test',
      writer: service,
      flushIntervalSeconds: FLUSH,
      now: () => clock.now,
      replica: name,
    });
  const usageTags = async () =>
    (await store.listTags(recordsRepository('tf')).catch(() => [] as string[])).filter((t) => t.startsWith('usage.')).sort();
  return { store, clock, replica, usageTags, logLines };
}

const totals = async (r: UsageReport) =>
  Object.fromEntries(
    (await r.query({ provider: 'acme/widget', since: '2026-11-01' }, service)).map((u) => [u.version, [u.downloads, u.distinctCallers]]),
  );

describe('usage record compaction', () => {
  it('merges the ended day of three replicas into one record; totals stay the same from every replica', async () => {
    const { clock, replica, usageTags, logLines } = setup();
    const [r1, r2, r3] = [replica('r1'), replica('r2'), replica('r3')];
    r1.record(event('1.0.0', 'alice'));
    r1.record(event('1.0.0', 'bob'));
    r2.record(event('1.0.0', 'alice'));
    r2.record(event('1.1.0', 'carol'));
    r3.record(event('1.1.0', 'dave'));
    for (const r of [r1, r2, r3]) await r.flush();
    const expected = { '1.0.0': [3, 2], '1.1.0': [2, 2] };
    assert.deepEqual(await totals(r1), expected);
    assert.deepEqual(await usageTags(), ['usage.20261103.r1', 'usage.20261103.r2', 'usage.20261103.r3']);

    assert.equal(await r1.compact(), 0, 'a running day is not merged');
    clock.now = Date.parse('2026-11-04T00:05:00Z');
    assert.equal(await r1.compact(), 0, 'not before every replica had two flush intervals to write the day');

    // r3 saw one more download just before midnight and writes it late, after r1 merged the day.
    clock.now = Date.parse('2026-11-04T00:11:00Z');
    assert.equal(await r1.compact(), 1);
    assert.deepEqual(await usageTags(), ['usage.20261103.all', 'usage.20261103.r1', 'usage.20261103.r2', 'usage.20261103.r3']);
    assert.deepEqual(await totals(r2), expected, 'merged and replica records together count each replica once');
    clock.now = Date.parse('2026-11-03T23:59:59Z');
    r3.record(event('1.1.0', 'erin'));
    clock.now = Date.parse('2026-11-04T00:12:00Z');
    await r3.flush();
    const later = { '1.0.0': [3, 2], '1.1.0': [3, 3] };
    assert.deepEqual(await totals(r1), later, 'the late write counts, once');

    // The next run (another replica) deletes the records the merged one holds and merges r3's late write.
    assert.equal(await r2.compact(), 1);
    assert.deepEqual(await usageTags(), ['usage.20261103.all', 'usage.20261103.r3']);
    assert.deepEqual(await totals(r2), later);
    assert.equal(await r3.compact(), 1);
    assert.deepEqual(await usageTags(), ['usage.20261103.all'], 'one record for the day');
    assert.deepEqual(await totals(r1), later);
    assert.equal(await r1.compact(), 0, 'nothing left to do');
    assert.deepEqual(logLines, []);
  });

  it('two replicas compacting at once: the same totals, one record per day in the end', async () => {
    const { clock, replica, usageTags } = setup();
    const rs = [replica('r1'), replica('r2'), replica('r3')];
    for (const [i, r] of rs.entries()) {
      for (let n = 0; n <= i; n++) r.record(event('2.0.0', `caller-${i}-${n}`));
      await r.flush();
    }
    clock.now = Date.parse('2026-11-05T00:00:00Z');
    const expected = { '2.0.0': [6, 6] };
    assert.deepEqual(await totals(rs[0]!), expected);
    await Promise.all([rs[0]!.compact(), rs[1]!.compact()]);
    assert.deepEqual(await totals(rs[2]!), expected);
    await Promise.all([rs[1]!.compact(), rs[2]!.compact()]);
    assert.deepEqual(await totals(rs[0]!), expected);
    assert.deepEqual(await usageTags(), [`usage.20261103.${MERGED_REPLICA}`]);
  });

  it('planDay and resolveDays: a replica record newer than its merged part replaces it', () => {
    const day = (replica: string, downloads: number) => ({
      day: '2026-11-03',
      replica,
      dropped: 0,
      entries: [
        {
          kind: 'provider' as const,
          subject: SUBJECT,
          version: '1.0.0',
          downloads,
          listings: 0,
          lastUsed: '',
          callers: [],
          callersCapped: false,
          clients: {},
        },
      ],
    });
    const live = (replica: string, downloads: number, digest: string) => ({
      tag: `usage.20261103.${replica}`,
      digest: digest as never,
      data: day(replica, downloads),
    });
    const first = planDay('2026-11-03', null, [live('r1', 1, 'sha256:a'), live('r2', 2, 'sha256:b')]);
    assert.equal(first.remove.length, 0);
    assert.deepEqual(
      first.write?.parts?.map((p) => [p.replica, p.digest]),
      [
        ['r1', 'sha256:a'],
        ['r2', 'sha256:b'],
      ],
    );
    const merged = { tag: 'usage.20261103.all', digest: 'sha256:m' as never, data: first.write! };
    const sum = (ds: ReturnType<typeof resolveDays>) => ds.reduce((n, d) => n + d.entries.reduce((m, e) => m + e.downloads, 0), 0);
    assert.equal(sum(resolveDays([merged, live('r1', 1, 'sha256:a'), live('r2', 2, 'sha256:b')])), 3);
    assert.equal(sum(resolveDays([merged, live('r1', 5, 'sha256:c')])), 7, 'r1 newer (5) replaces its part (1)');
    const second = planDay('2026-11-03', merged, [live('r1', 5, 'sha256:c'), live('r2', 2, 'sha256:b')]);
    assert.deepEqual(
      second.remove.map((r) => r.data.replica),
      ['r2'],
    );
    assert.deepEqual(
      second.write?.parts?.map((p) => [p.replica, p.digest]),
      [
        ['r1', 'sha256:c'],
        ['r2', 'sha256:b'],
      ],
    );
  });
});
