// Unit tests of what callers present: API token entries (service mode) and the delegated credential
// (delegate mode): header parsing, each delegate_token_as shape, user:password detection (plain and
// base64) that random tokens never trigger, and principals that are hashes, distinct per credential.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findToken, hashToken, parseTokenEntries } from '../../src/auth/api-tokens.js';
import { expandPermissions, PERMISSIONS } from '../../src/auth/permissions.js';
import {
  delegatedCredential,
  delegatedPrincipal,
  readAuthorization,
  splitUserPassword,
  type DelegateOptions,
} from '../../src/auth/delegated-credential.js';

describe('API tokens', () => {
  const entries = parseTokenEntries([
    { name: 'ci', sha256: hashToken('tok-ci'), permissions: ['provider-versions:create', 'providers:read'] },
    { name: 'admin', sha256: `sha256:${hashToken('tok-admin').toUpperCase()}`, permissions: ['*'] },
    { name: 'keys', sha256: hashToken('tok-keys'), permissions: ['gpg-keys:*'] },
  ]);

  it('finds a token by the SHA-256 of what is presented, and nothing else', () => {
    assert.equal(findToken(entries, 'tok-ci')?.name, 'ci');
    assert.equal(findToken(entries, 'tok-admin')?.name, 'admin');
    assert.equal(findToken(entries, 'tok-ci ')?.name, undefined);
    assert.equal(findToken(entries, hashToken('tok-ci')), undefined, 'the hash itself is not a token');
    assert.equal(findToken(entries, ''), undefined);
  });

  it('expands groups and * into exact permissions', () => {
    assert.deepEqual([...findToken(entries, 'tok-keys')!.permissions].sort(), [
      'gpg-keys:create',
      'gpg-keys:delete',
      'gpg-keys:read',
      'gpg-keys:update',
    ]);
    assert.equal(findToken(entries, 'tok-admin')!.permissions.size, PERMISSIONS.length);
    assert.deepEqual([...expandPermissions(['providers:read', 'providers:read'])], ['providers:read']);
  });

  it('names bad entries', () => {
    const bad = (e: unknown, re: RegExp) => assert.throws(() => parseTokenEntries([e]), re);
    bad({ name: 'x', sha256: 'abc', permissions: ['providers:read'] }, /"sha256" must be the 64-hex/);
    bad({ name: 'x', sha256: hashToken('a'), permissions: ['providers:write'] }, /unknown permission "providers:write"/);
    bad({ name: 'x', sha256: hashToken('a'), permissions: ['nope:*'] }, /unknown permission group/);
    bad({ name: 'x', sha256: hashToken('a'), permissions: [] }, /non-empty list/);
    bad({ name: 'x', token: 'plain', sha256: hashToken('a'), permissions: ['*'] }, /unknown key "token"/);
    bad({ name: 'bad name', sha256: hashToken('a'), permissions: ['*'] }, /"name" must be/);
    bad('x', /must be a table/);
    assert.throws(
      () =>
        parseTokenEntries([
          { name: 'a', sha256: hashToken('a'), permissions: ['*'] },
          { name: 'a', sha256: hashToken('b'), permissions: ['*'] },
        ]),
      /configured twice/,
    );
    assert.throws(
      () =>
        parseTokenEntries([
          { name: 'a', sha256: hashToken('a'), permissions: ['*'] },
          { name: 'b', sha256: hashToken('a'), permissions: ['*'] },
        ]),
      /same sha256/,
    );
  });
});

describe('delegated credential', () => {
  const opts = (o: Partial<DelegateOptions> = {}): DelegateOptions => ({ tokenAs: 'access_token', userPassword: true, ...o });
  const fromBearer = (token: string, o?: Partial<DelegateOptions>) => delegatedCredential({ scheme: 'bearer', token }, opts(o));

  it('parses Authorization headers', () => {
    assert.deepEqual(readAuthorization(undefined), { scheme: 'none' });
    assert.deepEqual(readAuthorization('Bearer abc.def'), { scheme: 'bearer', token: 'abc.def' });
    assert.deepEqual(readAuthorization('bearer   abc '), { scheme: 'bearer', token: 'abc' });
    assert.deepEqual(readAuthorization(`Basic ${Buffer.from('u:p:q').toString('base64')}`), {
      scheme: 'basic',
      username: 'u',
      password: 'p:q',
    });
    assert.equal(readAuthorization('Basic not-base64!').scheme, 'invalid');
    assert.equal(readAuthorization('Token abc').scheme, 'invalid');
    assert.equal(readAuthorization('Bearer').scheme, 'invalid');
  });

  it('hands the token over as access token, password of the configured user, or refresh token', () => {
    assert.deepEqual(fromBearer('ghp_abc123'), { accessToken: 'ghp_abc123' });
    assert.deepEqual(fromBearer('glpat-xyz', { tokenAs: 'password', username: 'gitlab-ci-token' }), {
      username: 'gitlab-ci-token',
      password: 'glpat-xyz',
    });
    assert.deepEqual(fromBearer('rt-1', { tokenAs: 'refresh_token' }), { refreshToken: 'rt-1' });
    assert.deepEqual(delegatedCredential({ scheme: 'none' }, opts()), {}, 'no token = anonymous upstream, not the service credential');
  });

  it('uses user:password tokens (plain or base64) as Basic credentials, unless disabled', () => {
    assert.deepEqual(fromBearer('robot$ci:s3cr3t'), { username: 'robot$ci', password: 's3cr3t' });
    assert.deepEqual(fromBearer(Buffer.from('reader:pw:with:colons').toString('base64')), {
      username: 'reader',
      password: 'pw:with:colons',
    });
    assert.deepEqual(fromBearer('robot$ci:s3cr3t', { userPassword: false }), { accessToken: 'robot$ci:s3cr3t' });
    assert.equal(delegatedCredential({ scheme: 'basic', username: 'u', password: 'p' }, opts({ userPassword: false })), undefined);
  });

  it('does not mistake random tokens for user:password', () => {
    const tokens = [
      'a'.repeat(40),
      '0123456789abcdef0123456789abcdef01234567',
      'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
      'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
      'glpat-aBcDeFgHiJkLmNoPqRsT',
      'QUJDREVGR0g=',
    ];
    for (const t of tokens) assert.equal(splitUserPassword(t), undefined, t);
    assert.equal(splitUserPassword(':nouser'), undefined);
    assert.equal(splitUserPassword('user name:pw'), undefined);
  });

  it('derives a principal that is a hash: stable, distinct per credential, never the secret', () => {
    const a = delegatedPrincipal({ accessToken: 'secret-token-a' });
    assert.equal(a, delegatedPrincipal({ accessToken: 'secret-token-a' }));
    assert.notEqual(a, delegatedPrincipal({ accessToken: 'secret-token-b' }));
    assert.notEqual(delegatedPrincipal({ username: 'u', password: 'p' }), delegatedPrincipal({ username: 'u', password: 'q' }));
    assert.notEqual(delegatedPrincipal({ password: 'x' }), delegatedPrincipal({ accessToken: 'x' }));
    assert.match(a, /^delegated:[0-9a-f]{64}$/);
    assert.ok(!a.includes('secret-token-a'));
  });
});
