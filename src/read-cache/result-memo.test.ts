// Tests of the memo tables, the repository epochs and the bounded map behind them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedMap } from '../core/bounded-map.js';
import { RepositoryEpochs } from './epochs.js';
import { ListingMemo, WindowMemo } from './result-memo.js';
import { VersionTagList } from './tag-lists.js';

describe('ListingMemo', () => {
  it('answers for the same listing object and epoch only', () => {
    const memo = new ListingMemo();
    const list = new VersionTagList([{ version: '1.0.0', tag: '1.0.0' }]);
    const result = { versions: ['1.0.0'] };
    memo.set(list, 'versions', 7, result);
    assert.equal(memo.get(list, 'versions', 7), result);
    assert.equal(memo.get(list, 'index', 7), undefined, 'per kind');
    assert.equal(memo.get(list, 'versions', 8), undefined, 'epoch moved');
    assert.equal(memo.get(new VersionTagList([{ version: '1.0.0', tag: '1.0.0' }]), 'versions', 7), undefined, 'another listing object');
  });
});

describe('WindowMemo', () => {
  it('answers within the window and the epoch, then forgets', () => {
    let t = 0;
    const memo = new WindowMemo(30_000, 10, () => t);
    memo.set('k', 1, 'doc');
    t = 29_999;
    assert.equal(memo.get('k', 1), 'doc');
    assert.equal(memo.get('k', 2), undefined, 'epoch moved');
    memo.set('k', 1, 'doc');
    t += 30_000;
    assert.equal(memo.get('k', 1), undefined, 'window over');
    const off = new WindowMemo(0, 10, () => t);
    off.set('k', 1, 'doc');
    assert.equal(off.get('k', 1), undefined, 'a zero window keeps nothing');
  });
});

describe('RepositoryEpochs', () => {
  it('moves per repository and never hands out a value twice, even past its cap', () => {
    const e = new RepositoryEpochs(2);
    const a0 = e.get('a');
    e.bump('a');
    const a1 = e.get('a');
    assert.notEqual(a1, a0);
    assert.equal(e.get('b'), a0, 'untouched repositories keep the floor');
    e.bump('b');
    e.bump('c'); // over the cap: table emptied, floor raised
    for (const r of ['a', 'b', 'x']) assert.ok(![a0, a1].includes(e.get(r)), `${r}: no old value reused`);
  });
});

describe('BoundedMap', () => {
  it('drops the oldest insertion past its cap', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.set('c', 3);
    assert.equal(m.get('a'), undefined);
    assert.equal(m.get('c'), 3);
    assert.equal(m.size, 2);
  });
});
