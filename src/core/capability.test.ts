// Capabilities: one kind is never accepted as another, expiry and tampering are 403s naming the URL, and
// the issuer's principal and credential travel with the token.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from './app-error.js';
import { openCapability, sealCapability } from './capability.js';
import { createSealedTokens } from './sealed-token.js';

const clock = { now: 1_000_000 };
const tokens = createSealedTokens(['capability-test-secret-0123456789'], () => clock.now);
const WORDS = { what: 'download URL', renew: 'ask the registry for a new one' };

function refusal(fn: () => unknown): { code: string; status: number; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(isAppError(err), `expected an AppError, got ${String(err)}`);
    return { code: err.code, status: err.status, message: err.message };
  }
  assert.fail('expected a refusal');
}

describe('capabilities', () => {
  it('carries its fields and the caller it was issued to', () => {
    const token = sealCapability(tokens, 'download', { principal: 'p1', credential: { username: 'u', password: 'pw' } }, { r: 'repo' }, 60);
    const opened = openCapability<{ r: string }>(tokens, 'download', token, WORDS);
    assert.equal(opened.fields.r, 'repo');
    assert.deepEqual(opened.caller, { principal: 'p1', credential: { username: 'u', password: 'pw' } });
  });

  it('refuses an upload token used as a download ticket with 403, not a crash', () => {
    const upload = sealCapability(tokens, 'upload', { principal: 'p1' }, { v: 'ver-a.b.1.0.0', n: 'nonce' }, 60);
    const r = refusal(() => openCapability(tokens, 'download', upload, WORDS));
    assert.deepEqual([r.status, r.code], [403, 'URL_INVALID']);
    assert.match(r.message, /not a download URL/);
  });

  it('refuses an expired or tampered token with 403 and says what to do', () => {
    const token = sealCapability(tokens, 'download', { principal: 'p1' }, {}, 10);
    clock.now += 11_000;
    const expired = refusal(() => openCapability(tokens, 'download', token, WORDS));
    assert.deepEqual([expired.status, expired.code], [403, 'URL_EXPIRED']);
    assert.match(expired.message, /ask the registry for a new one/);
    const tampered = refusal(() => openCapability(tokens, 'download', `${token.slice(0, -2)}AA`, WORDS));
    assert.deepEqual([tampered.status, tampered.code], [403, 'URL_INVALID']);
  });
});
