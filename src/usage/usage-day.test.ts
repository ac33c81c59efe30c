// The day aggregate stays bounded: callers beyond MAX_CALLERS only flag the entry, clients beyond
// MAX_CLIENTS are not added, entries beyond MAX_ENTRIES are counted as dropped; snapshots are copies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_CALLERS, MAX_CLIENTS, MAX_ENTRIES, UsageDayAggregate } from './usage-day.js';
import type { UsageEvent } from './usage-event.js';

const event = (over: Partial<UsageEvent> = {}): UsageEvent => ({
  action: 'download',
  kind: 'provider',
  subject: 'registry.example.test/acme/widget',
  version: '1.0.0',
  platform: 'linux_amd64',
  caller: 'token:a',
  client: 'Terraform/1.8.5',
  ...over,
});

describe('UsageDayAggregate', () => {
  it('counts downloads and listings, distinct callers, clients and the last use', () => {
    const day = new UsageDayAggregate('2026-12-04');
    day.add(event(), Date.parse('2026-12-04T10:00:00Z'));
    day.add(event({ caller: 'token:b', client: 'OpenTofu/1.10.10' }), Date.parse('2026-12-04T11:00:00Z'));
    day.add(event({ action: 'listing', version: '', platform: '' }), Date.parse('2026-12-04T12:00:00Z'));
    const snap = day.snapshot('r1');
    assert.equal(snap.entries.length, 2);
    const v = snap.entries.find((e) => e.version === '1.0.0')!;
    assert.equal(v.downloads, 2);
    assert.equal(v.callers.length, 2);
    assert.deepEqual(v.clients, { 'Terraform/1.8.5': 1, 'OpenTofu/1.10.10': 1 });
    assert.equal(v.lastUsed, '2026-12-04T11:00:00.000Z');
    assert.equal(snap.entries.find((e) => e.version === '')!.listings, 1);
    v.downloads = 99;
    assert.equal(day.snapshot('r1').entries.find((e) => e.version === '1.0.0')!.downloads, 2, 'a snapshot is a copy');
  });

  it('stays bounded: callers, clients and entries', () => {
    const day = new UsageDayAggregate('2026-12-04');
    const at = Date.parse('2026-12-04T10:00:00Z');
    for (let i = 0; i < MAX_CALLERS + 10; i++) day.add(event({ caller: `token:${i}`, client: `Client${i}/1.0` }), at);
    const e = day.snapshot('r1').entries[0]!;
    assert.equal(e.callers.length, MAX_CALLERS);
    assert.equal(e.callersCapped, true);
    assert.equal(Object.keys(e.clients).length, MAX_CLIENTS);
    for (let i = 0; i < MAX_ENTRIES + 5; i++) day.add(event({ version: `2.0.${i}` }), at);
    const snap = day.snapshot('r1');
    assert.equal(snap.entries.length, MAX_ENTRIES);
    assert.equal(snap.dropped, 6);
  });

  it('counts a reused (frozen) event exactly as fresh copies of it, bounds included', () => {
    // The usage services hand one frozen event to every request of a warm listing; the aggregate then
    // counts it without its key and searches. Fed the same sequence as copies, the day must be the same.
    const at = Date.parse('2026-12-04T10:00:00Z');
    const frozen: UsageEvent[] = [];
    for (let i = 0; i < MAX_CALLERS + 5; i++)
      frozen.push(
        Object.freeze(
          event({ action: 'listing', version: '', platform: '', caller: `token:${i}`, client: `Client${i % (MAX_CLIENTS + 3)}/1.0` }),
        ),
      );
    frozen.push(Object.freeze(event({ client: '' })), Object.freeze(event({ caller: 'token:0' })));
    const reused = new UsageDayAggregate('2026-12-04');
    const copies = new UsageDayAggregate('2026-12-04');
    for (let round = 0; round < 3; round++) {
      frozen.forEach((e, i) => {
        reused.add(e, at + round * 1000 + i);
        copies.add({ ...e }, at + round * 1000 + i);
      });
    }
    const got = reused.snapshot('r1');
    assert.deepEqual(got, copies.snapshot('r1'));
    const listing = got.entries.find((e) => e.version === '')!;
    assert.equal(listing.listings, 3 * (MAX_CALLERS + 5));
    assert.equal(listing.callers.length, MAX_CALLERS);
    assert.equal(listing.callersCapped, true);
    assert.equal(Object.keys(listing.clients).length, MAX_CLIENTS);
  });
});
