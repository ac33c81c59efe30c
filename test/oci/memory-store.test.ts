// The store contract against the in-memory fake, plus its call counters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { storeContract } from './store-contract.js';

storeContract('memory', async () => ({ store: createMemoryStore() }));

describe('memory store call counters', () => {
  it('counts calls per method and resets', async () => {
    const store = createMemoryStore();
    await store.pushBlob('a/b', Buffer.from('x'));
    await store.statBlob('a/b', (await store.pushBlob('a/b', Buffer.from('y'))).digest);
    await store.listTags('a/b').catch(() => undefined);
    assert.equal(store.calls.pushBlob, 2);
    assert.equal(store.calls.statBlob, 1);
    assert.equal(store.calls.listTags, 1);
    assert.equal(store.calls.fetchBlob, 0);
    store.resetCalls();
    assert.equal(store.calls.pushBlob, 0);
  });
});
