// Unit tests for the token cache: keying by credential identity, expiry, single-flight, bounds.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TokenCache, credentialIdentity, type IssuedToken, type TokenKey } from './token-cache.js';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const alice = credentialIdentity({ username: 'alice', password: 'pw' });
const bob = credentialIdentity({ username: 'bob', password: 'pw' });
const key = (identity: string, scopes = ['repository:a:pull']): TokenKey => ({ identity, host: 'reg:5000', scopes });

describe('credentialIdentity', () => {
  it('differs per credential field and never contains the secret', () => {
    const ids = new Set([
      credentialIdentity(undefined),
      credentialIdentity({ username: 'alice', password: 'pw' }),
      credentialIdentity({ username: 'alice', password: 'pw2' }),
      credentialIdentity({ accessToken: 'pw' }),
      credentialIdentity({ refreshToken: 'pw' }),
    ]);
    assert.equal(ids.size, 5);
    const id = credentialIdentity({ username: 'alice', password: 'hunter2-secret' });
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.ok(!id.includes('hunter2'));
  });
  it('treats no credential and an empty one alike (anonymous)', () => {
    assert.equal(credentialIdentity(undefined), credentialIdentity({}));
  });
});

describe('TokenCache', () => {
  it('reuses a token for the same identity/host/scopes and fetches once', async () => {
    const cache = new TokenCache();
    let fetches = 0;
    const fetch = async (): Promise<IssuedToken> => ({ token: `t${++fetches}`, expiresIn: 300 });
    assert.equal(await cache.get(key(alice), fetch), 't1');
    assert.equal(await cache.get(key(alice), fetch), 't1');
    assert.equal(fetches, 1);
    assert.equal(cache.peek(key(alice)), 't1');
  });

  it('never shares a token across credentials, hosts or scopes', async () => {
    const cache = new TokenCache();
    let n = 0;
    const fetch = async (): Promise<IssuedToken> => ({ token: `t${++n}` });
    const a = await cache.get(key(alice), fetch);
    const b = await cache.get(key(bob), fetch);
    const c = await cache.get({ ...key(alice), host: 'other:5000' }, fetch);
    const d = await cache.get(key(alice, ['repository:a:pull,push']), fetch);
    assert.deepEqual([a, b, c, d], ['t1', 't2', 't3', 't4']);
    assert.equal(cache.peek(key(bob)), 't2');
  });

  it('single-flight: concurrent misses share one fetch', async () => {
    const cache = new TokenCache();
    let fetches = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fetch = async (): Promise<IssuedToken> => {
      fetches++;
      await gate;
      return { token: 'shared' };
    };
    const all = Promise.all([1, 2, 3, 4, 5].map(() => cache.get(key(alice), fetch)));
    release();
    assert.deepEqual(await all, ['shared', 'shared', 'shared', 'shared', 'shared']);
    assert.equal(fetches, 1);
  });

  it('does not cache failures, and a later call retries', async () => {
    const cache = new TokenCache();
    let calls = 0;
    await assert.rejects(
      cache.get(key(alice), async () => {
        calls++;
        throw new Error('token server down');
      }),
      /token server down/,
    );
    assert.equal(await cache.get(key(alice), async () => ({ token: `ok${++calls}` })), 'ok2');
  });

  it('honours expires_in minus the safety margin, default 60 s', async () => {
    const c = clock();
    const cache = new TokenCache({ now: c.now, safetyMarginMs: 10_000 });
    await cache.get(key(alice), async () => ({ token: 'short', expiresIn: 100 }));
    c.advance(89_000);
    assert.equal(cache.peek(key(alice)), 'short');
    c.advance(1_000); // 90 s = 100 s - 10 s margin
    assert.equal(cache.peek(key(alice)), undefined);

    await cache.get(key(bob), async () => ({ token: 'default' })); // no expires_in: 60 s
    c.advance(49_999);
    assert.equal(cache.peek(key(bob)), 'default');
    c.advance(1);
    assert.equal(cache.peek(key(bob)), undefined);
  });

  it('caps the margin at a quarter of a short lifetime', async () => {
    const c = clock();
    const cache = new TokenCache({ now: c.now });
    await cache.get(key(alice), async () => ({ token: 'x', expiresIn: 4 }));
    c.advance(2_999);
    assert.equal(cache.peek(key(alice)), 'x');
    c.advance(1);
    assert.equal(cache.peek(key(alice)), undefined);
  });

  it('invalidate only drops the token it was told about', async () => {
    const cache = new TokenCache();
    await cache.get(key(alice), async () => ({ token: 'new' }));
    cache.invalidate(key(alice), 'old');
    assert.equal(cache.peek(key(alice)), 'new');
    cache.invalidate(key(alice), 'new');
    assert.equal(cache.peek(key(alice)), undefined);
  });

  it('is bounded', async () => {
    const cache = new TokenCache({ maxEntries: 3 });
    for (let i = 0; i < 10; i++) await cache.get(key(alice, [`repository:r${i}:pull`]), async () => ({ token: `t${i}` }));
    assert.equal(cache.size, 3);
    assert.equal(cache.peek(key(alice, ['repository:r9:pull'])), 't9');
    assert.equal(cache.peek(key(alice, ['repository:r0:pull'])), undefined);
  });

  it('remembers schemes per identity and host', () => {
    const cache = new TokenCache();
    cache.setScheme(alice, 'reg', 'basic');
    assert.equal(cache.scheme(alice, 'reg'), 'basic');
    assert.equal(cache.scheme(bob, 'reg'), undefined);
    assert.equal(cache.scheme(alice, 'other'), undefined);
  });
});
