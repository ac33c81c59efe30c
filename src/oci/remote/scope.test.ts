// Table tests for scope building and cleaning (the token-cache key depends on them being canonical).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cleanScopes, repositoryScope, splitScopes } from './scope.js';

describe('repositoryScope', () => {
  it('sorts and de-duplicates actions', () => {
    assert.equal(repositoryScope('a/b', 'push', 'pull', 'push'), 'repository:a/b:pull,push');
  });
  it('is empty without actions or name', () => {
    assert.equal(repositoryScope('a/b'), '');
    assert.equal(repositoryScope('', 'pull'), '');
  });
  it('collapses to * when present', () => {
    assert.equal(repositoryScope('a', 'pull', '*'), 'repository:a:*');
  });
});

describe('cleanScopes', () => {
  const cases: Array<[string, string[], string[]]> = [
    ['empty', [], []],
    ['single unchanged', ['repository:a:pull'], ['repository:a:pull']],
    ['merge same resource', ['repository:a:push', 'repository:a:pull'], ['repository:a:pull,push']],
    ['dedupe actions', ['repository:a:pull,pull', 'repository:a:pull'], ['repository:a:pull']],
    ['sort resources', ['repository:z:pull', 'repository:a:pull'], ['repository:a:pull', 'repository:z:pull']],
    ['star absorbs', ['repository:a:pull', 'repository:a:*'], ['repository:a:*']],
    ['drop empty actions', ['repository:a:', 'repository:b:pull'], ['repository:b:pull']],
    ['keep unknown shapes', ['weird', 'x:y', 'repository:a:pull'], ['repository:a:pull', 'weird', 'x:y']],
    ['name with port', ['repository:host:5000/a:pull', 'repository:host:5000/a:push'], ['repository:host:5000/a:pull,push']],
    ['registry catalog', ['registry:catalog:*'], ['registry:catalog:*']],
    ['drop empty strings', ['', 'repository:a:pull'], ['repository:a:pull']],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => assert.deepEqual(cleanScopes(input), want));
  }
  it('is order-independent', () => {
    const a = cleanScopes(['repository:b:push', 'repository:a:pull', 'repository:b:pull']);
    const b = cleanScopes(['repository:b:pull', 'repository:b:push', 'repository:a:pull']);
    assert.deepEqual(a, b);
  });
});

describe('splitScopes', () => {
  it('splits the space-separated challenge parameter', () => {
    assert.deepEqual(splitScopes('repository:a:pull,push  repository:c:pull'), ['repository:a:pull,push', 'repository:c:pull']);
    assert.deepEqual(splitScopes(undefined), []);
  });
});
