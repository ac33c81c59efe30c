// Tests of sealed download tokens: round trip, rotation, tampering, expiry, foreign keys.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSealedTokens } from './sealed-token.js';

describe('sealed tokens', () => {
  const now = 1_800_000_000_000;
  const clock = () => now;

  it('round-trips a payload and hides it', () => {
    const t = createSealedTokens(['secret-number-one-0123'], clock);
    const token = t.seal({ r: 'tf/providers/x/y/z', d: 'sha256:abc' }, 60);
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    assert.ok(!Buffer.from(token, 'base64url').toString('latin1').includes('tf/providers'), 'payload must be encrypted');
    assert.deepEqual(t.open(token), { ok: true, payload: { r: 'tf/providers/x/y/z', d: 'sha256:abc' } });
  });

  it('opens tokens sealed with an older secret after rotation, and seals with the first', () => {
    const old = createSealedTokens(['old-secret-0123456789'], clock);
    const rotated = createSealedTokens(['new-secret-0123456789', 'old-secret-0123456789'], clock);
    const onlyNew = createSealedTokens(['new-secret-0123456789'], clock);
    const token = old.seal({ a: 1 }, 60);
    assert.deepEqual(rotated.open(token), { ok: true, payload: { a: 1 } });
    assert.deepEqual(onlyNew.open(token), { ok: false, reason: 'invalid' });
    assert.deepEqual(onlyNew.open(rotated.seal({ b: 2 }, 60)), { ok: true, payload: { b: 2 } });
  });

  it('refuses tampered and garbage tokens', () => {
    const t = createSealedTokens(['secret-number-one-0123'], clock);
    const token = t.seal({ a: 1 }, 60);
    const raw = Buffer.from(token, 'base64url');
    for (const i of [0, 5, 20, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[i] = bad[i]! ^ 1;
      assert.deepEqual(t.open(bad.toString('base64url')), { ok: false, reason: 'invalid' }, `byte ${i} flipped`);
    }
    assert.deepEqual(t.open('not a token!'), { ok: false, reason: 'invalid' });
    assert.deepEqual(t.open(''), { ok: false, reason: 'invalid' });
  });

  it('refuses expired tokens as expired', () => {
    let time = now;
    const t = createSealedTokens(['secret-number-one-0123'], () => time);
    const token = t.seal({ a: 1 }, 60);
    time += 59_000;
    assert.equal(t.open(token).ok, true);
    time += 2_000;
    assert.deepEqual(t.open(token), { ok: false, reason: 'expired' });
  });
});
