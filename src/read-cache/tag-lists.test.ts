// Tests of the per-caller tag listings: parsed and sorted once, the same object while cached.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TagListCache } from './tag-lists.js';

describe('TagListCache', () => {
  it('keeps version tags only, oldest first by semver precedence, then build metadata', () => {
    const c = new TagListCache(1000, 10, () => 0);
    const list = c.set('r', 'p', ['1.10.0', 'latest', '1.2.0', '2.0.0-rc.1', '1.0.0_b.2', '2.0.0', 'v3.0.0', '1.0.0_b.1', '1.0.0', '1.0']);
    assert.deepEqual(
      list.versions.map((v) => v.version),
      ['1.0.0', '1.0.0+b.1', '1.0.0+b.2', '1.2.0', '1.10.0', '2.0.0-rc.1', '2.0.0'],
    );
    assert.equal(list.versions[1]!.tag, '1.0.0_b.1');
    assert.ok(list.has('1.0.0_b.1'));
    assert.ok(!list.has('latest'), 'non-version tags are not part of the listing');
    assert.ok(Object.isFrozen(list.versions));
  });

  it('returns the SAME listing object while the entry lives, a new one after the TTL', () => {
    let t = 0;
    const c = new TagListCache(1000, 10, () => t);
    const first = c.set('r', 'p', ['1.0.0']);
    assert.equal(c.get('r', 'p'), first);
    assert.equal(c.get('r', 'p'), first);
    assert.equal(c.get('r', 'other'), undefined, 'per principal');
    t = 1000;
    assert.equal(c.get('r', 'p'), undefined, 'expired');
    const second = c.set('r', 'p', ['1.0.0']);
    assert.notEqual(second, first, 'one object per fetch');
    assert.equal(second.versions[0], first.versions[0], 'parsed tags are reused across fetches');
  });

  it('forgets every principal of one repository, and keeps nothing with a zero TTL', () => {
    const c = new TagListCache(1000, 10, () => 0);
    c.set('r', 'a', ['1.0.0']);
    c.set('r', 'b', ['1.0.0']);
    c.set('r2', 'a', ['1.0.0']);
    c.deleteRepository('r');
    assert.equal(c.get('r', 'a'), undefined);
    assert.equal(c.get('r', 'b'), undefined);
    assert.ok(c.get('r2', 'a'));
    const zero = new TagListCache(0, 10, () => 0);
    assert.deepEqual(
      zero.set('r', 'a', ['1.0.0']).versions.map((v) => v.tag),
      ['1.0.0'],
    );
    assert.equal(zero.get('r', 'a'), undefined);
    assert.equal(c.set('r', 'a', ['2.0.0'], false).versions.length, 1, 'keep = false: answered, not kept');
    assert.equal(c.get('r', 'a'), undefined);
  });
});
