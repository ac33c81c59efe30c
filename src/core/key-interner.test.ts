// The interner gives one string object per part list, distinct strings for distinct lists, and stays bounded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { KeyInterner } from './key-interner.js';

describe('KeyInterner', () => {
  it('returns the same key for the same parts, and different keys for different part lists', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), fc.array(fc.string(), { minLength: 1, maxLength: 5 }), (a, b) => {
        const k = new KeyInterner(100);
        const ka = k.key(...a);
        assert.equal(k.key(...a), ka);
        const same = a.length === b.length && a.every((p, i) => p === b[i]);
        assert.equal(k.key(...b) === ka, same, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }),
    );
  });

  it('keeps a prefix and its extension apart (["a"] and ["a", "b"], ["a|1:b"] and ["a", "b"])', () => {
    const k = new KeyInterner(100);
    const a = k.key('a');
    const ab = k.key('a', 'b');
    assert.notEqual(a, ab);
    assert.equal(k.key('a'), a);
    assert.notEqual(k.key('a|1:b'), ab);
    assert.equal(k.size, 3);
  });

  it('is emptied when full, and still answers correctly', () => {
    const k = new KeyInterner(3);
    const keys = ['a', 'b', 'c'].map((p) => k.key('x', p));
    assert.equal(k.size, 3);
    const d = k.key('x', 'd');
    assert.equal(k.size, 1);
    assert.notEqual(d, keys[0]);
    assert.equal(k.key('x', 'a'), keys[0], 'equal text after a reset');
    assert.equal(k.size, 2);
  });
});
