// Tests of the bounded caches and single-flight.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ContentCache, SingleFlight, TtlCache } from './lru-cache.js';

describe('ContentCache', () => {
  it('evicts least recently used entries past its byte budget', () => {
    const c = new ContentCache(100);
    c.set('a', 'A', 40);
    c.set('b', 'B', 40);
    assert.equal(c.get('a'), 'A'); // a is now most recent
    c.set('c', 'C', 40); // evicts b
    assert.equal(c.get('b'), undefined);
    assert.equal(c.get('a'), 'A');
    assert.equal(c.get('c'), 'C');
    assert.ok(c.usedBytes <= 100);
  });
  it('does not keep an entry larger than the budget', () => {
    const c = new ContentCache(10);
    c.set('big', 'x', 11);
    assert.equal(c.get('big'), undefined);
  });
});

describe('TtlCache', () => {
  it('expires entries and caps their number', () => {
    let t = 0;
    const c = new TtlCache<number>(1000, 2, () => t);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    assert.equal(c.get('a'), undefined, 'oldest dropped past maxEntries');
    assert.equal(c.get('b'), 2);
    t = 1000;
    assert.equal(c.get('b'), undefined, 'expired');
  });
  it('drops expired entries when a new one is set (their values are released)', () => {
    let t = 0;
    const c = new TtlCache<number>(1000, 10, () => t);
    c.set('a', 1);
    t = 500;
    c.set('b', 2);
    t = 1000;
    c.set('c', 3);
    assert.equal(c.get('b'), 2);
    t = 1500;
    c.set('d', 4);
    assert.equal(c.size, 2, 'a and b dropped without being read');
    assert.equal(c.get('b'), undefined);
    assert.equal(c.get('c'), 3);
  });
  it('deletes by prefix and stores nothing with a zero TTL', () => {
    const c = new TtlCache<number>(1000, 10);
    c.set('repo/a|x', 1);
    c.set('repo/a|y', 2);
    c.set('repo/ab|x', 3);
    c.deletePrefix('repo/a|');
    assert.equal(c.get('repo/a|x'), undefined);
    assert.equal(c.get('repo/ab|x'), 3);
    const zero = new TtlCache<number>(0, 10);
    zero.set('k', 1);
    assert.equal(zero.get('k'), undefined);
  });
});

describe('SingleFlight', () => {
  it('runs concurrent calls for one key once', async () => {
    const sf = new SingleFlight();
    let runs = 0;
    const work = () =>
      sf.do('k', async () => {
        runs++;
        await new Promise((r) => setTimeout(r, 10));
        return runs;
      });
    const results = await Promise.all([work(), work(), work()]);
    assert.deepEqual(results, [1, 1, 1]);
    assert.equal(runs, 1);
    assert.equal(await work(), 2, 'a later call runs again');
  });
  it('shares a failure and then forgets it', async () => {
    const sf = new SingleFlight();
    await assert.rejects(
      sf.do('k', async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await sf.do('k', async () => 'ok'), 'ok');
  });
});
