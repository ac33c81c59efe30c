// Table tests for the WWW-Authenticate parser, including the shapes Distribution 2.8 sends.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseChallenges, pickChallenge, type Challenge } from './challenge.js';

const cases: Array<{ name: string; header: string; want: Challenge[] }> = [
  { name: 'empty', header: '', want: [] },
  { name: 'scheme only', header: 'Basic', want: [{ scheme: 'basic', params: {} }] },
  { name: 'basic realm', header: 'Basic realm="basic-realm"', want: [{ scheme: 'basic', params: { realm: 'basic-realm' } }] },
  {
    name: 'bearer with multi-scope and insufficient_scope',
    header: 'Bearer realm="https://a/token",service="reg",scope="repository:a/b:pull,push repository:c:pull",error="insufficient_scope"',
    want: [
      {
        scheme: 'bearer',
        params: {
          realm: 'https://a/token',
          service: 'reg',
          scope: 'repository:a/b:pull,push repository:c:pull',
          error: 'insufficient_scope',
        },
      },
    ],
  },
  {
    name: 'two challenges in one header',
    header: 'Basic realm="a, b", Bearer realm="https://auth/token",service="s"',
    want: [
      { scheme: 'basic', params: { realm: 'a, b' } },
      { scheme: 'bearer', params: { realm: 'https://auth/token', service: 's' } },
    ],
  },
  {
    name: 'escaped quotes and backslashes',
    header: 'Bearer realm="a\\"b\\\\c",service="x"',
    want: [{ scheme: 'bearer', params: { realm: 'a"b\\c', service: 'x' } }],
  },
  {
    name: 'case-insensitive names, value case kept',
    header: 'BEARER Realm="HTTPS://A/Token", SERVICE=Reg',
    want: [{ scheme: 'bearer', params: { realm: 'HTTPS://A/Token', service: 'Reg' } }],
  },
  {
    name: 'whitespace around = and commas, empty list elements',
    header: 'Bearer  realm = "r" ,, service = s ,',
    want: [{ scheme: 'bearer', params: { realm: 'r', service: 's' } }],
  },
  { name: 'token68', header: 'Negotiate abc+/def==', want: [{ scheme: 'negotiate', params: {}, token68: 'abc+/def==' }] },
  {
    name: 'token68 then another challenge',
    header: 'Negotiate abc=, Basic realm="r"',
    want: [
      { scheme: 'negotiate', params: {}, token68: 'abc=' },
      { scheme: 'basic', params: { realm: 'r' } },
    ],
  },
  {
    name: 'unquoted URL value (lenient)',
    header: 'Bearer realm=https://a/token,service=reg',
    want: [{ scheme: 'bearer', params: { realm: 'https://a/token', service: 'reg' } }],
  },
  { name: 'unterminated quote takes the rest', header: 'Basic realm="abc', want: [{ scheme: 'basic', params: { realm: 'abc' } }] },
  {
    name: 'duplicate parameter keeps the first',
    header: 'Bearer realm="one",realm="two"',
    want: [{ scheme: 'bearer', params: { realm: 'one' } }],
  },
  {
    name: 'empty quoted value',
    header: 'Bearer realm="",service="s"',
    want: [{ scheme: 'bearer', params: { realm: '', service: 's' } }],
  },
  { name: 'parameter before any scheme is skipped', header: 'realm="x", Basic', want: [{ scheme: 'basic', params: {} }] },
];

describe('parseChallenges', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(parseChallenges(c.header), c.want);
    });
  }

  it('joins several header lines', () => {
    const got = parseChallenges(['Basic realm="a"', 'Bearer realm="b"']);
    assert.deepEqual(
      got.map((c) => c.scheme),
      ['basic', 'bearer'],
    );
  });

  it('returns [] for a missing header', () => {
    assert.deepEqual(parseChallenges(undefined), []);
  });
});

describe('pickChallenge', () => {
  it('prefers Bearer over Basic and ignores unknown schemes', () => {
    assert.equal(pickChallenge(parseChallenges('Basic realm="a", Bearer realm="b"'))?.scheme, 'bearer');
    assert.equal(pickChallenge(parseChallenges('Negotiate x, Basic realm="a"'))?.scheme, 'basic');
    assert.equal(pickChallenge(parseChallenges('Negotiate x')), undefined);
  });
});
