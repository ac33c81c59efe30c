// Property tests of two parsers fed by other parties: `WWW-Authenticate` challenges from registries
// (src/oci/remote/challenge.ts, RFC 7235 §4.1) and a publisher's SHA256SUMS (src/verify/shasums.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseChallenges, pickChallenge } from '../../src/oci/remote/challenge.js';
import { isVerifyError } from '../../src/verify/errors.js';
import { parseShasums } from '../../src/verify/shasums.js';
import { check, nastyString } from './support.js';

const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,10}$/);
/** Quoted-string content: anything printable, including the characters registries put there. */
const quotedValue = fc.string({ unit: fc.constantFrom(...'abc:/,= "\\\t.-_?&'), maxLength: 30 });
const quote = (v: string): string => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
const challengeArb = fc.record({
  scheme: token,
  // Parameter names include the ones an object's prototype already has.
  params: fc
    .dictionary(
      fc.oneof(
        token.map((k) => k.toLowerCase()),
        fc.constantFrom('constructor', '__proto__', 'tostring', 'valueof'),
      ),
      quotedValue,
      {
        maxKeys: 4,
      },
    )
    .map((d) => Object.fromEntries(Object.entries(d))),
});

describe('property: WWW-Authenticate challenges', () => {
  it('serialized challenges parse back to the same schemes and parameters, however joined', () => {
    check(
      fc.property(fc.array(challengeArb, { minLength: 1, maxLength: 3 }), fc.constantFrom(', ', ',', ' ,  '), (challenges, sep) => {
        const header = challenges
          .map((c) => {
            const ps = Object.entries(c.params).map(([k, v]) => `${k}=${quote(v)}`);
            return ps.length ? `${c.scheme} ${ps.join(sep)}` : c.scheme;
          })
          .join(sep);
        const parsed = parseChallenges(header);
        // A challenge without parameters followed by another scheme reads as a token68: compare only
        // where every challenge has parameters, else just the first scheme.
        if (challenges.every((c) => Object.keys(c.params).length > 0)) {
          assert.deepEqual(
            parsed.map((c) => ({ scheme: c.scheme, params: Object.fromEntries(Object.entries(c.params)) })),
            challenges.map((c) => ({ scheme: c.scheme.toLowerCase(), params: c.params })),
            header,
          );
        } else assert.equal(parsed[0]?.scheme, challenges[0]!.scheme.toLowerCase());
      }),
    );
  });

  it('the scope of a Bearer challenge survives commas and spaces inside quotes', () => {
    check(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9]+(?:\/[a-z0-9]+){0,2}$/), { minLength: 1, maxLength: 3 }), (repos) => {
        const scope = repos.map((r) => `repository:${r}:pull,push`).join(' ');
        const header = `Bearer realm="https://auth.example/token",service="reg",scope="${scope}",error="insufficient_scope"`;
        const picked = pickChallenge(parseChallenges(header));
        assert.equal(picked?.scheme, 'bearer');
        assert.equal(picked?.params['scope'], scope);
        assert.equal(picked?.params['realm'], 'https://auth.example/token');
      }),
    );
  });

  it('any header text parses without throwing into lowercase schemes', () => {
    check(
      fc.property(fc.oneof(nastyString, fc.array(nastyString, { maxLength: 3 })), (h) => {
        for (const c of parseChallenges(h)) {
          assert.equal(c.scheme, c.scheme.toLowerCase());
          assert.ok(c.scheme.length > 0);
        }
      }),
    );
  });
});

const hex = fc.stringMatching(/^[0-9a-fA-F]{64}$/);
const fileName = fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/);

describe('property: SHA256SUMS', () => {
  it('a sha256sum document parses back to its entries (binary marker, CRLF, final newline or not)', () => {
    check(
      fc.property(
        fc.uniqueArray(fc.tuple(fileName, hex), { minLength: 1, maxLength: 8, selector: ([n]) => n }),
        fc.constantFrom('  ', ' *'),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        (entries, marker, eol, finalEol) => {
          const doc = entries.map(([n, h]) => `${h}${marker}${n}`).join(eol) + (finalEol ? eol : '');
          const parsed = parseShasums(doc);
          assert.deepEqual(
            [...parsed],
            entries.map(([n, h]) => [n, h.toLowerCase()]),
          );
        },
      ),
    );
  });

  it('any text: a map of names to lowercase hex digests, or a BAD_SHASUMS error naming the line', () => {
    const line = fc.oneof(
      nastyString,
      fc.tuple(hex, fc.constantFrom('  ', ' *', ' ', '\t'), nastyString).map(([h, m, n]) => `${h}${m}${n}`),
    );
    check(
      fc.property(fc.array(line, { maxLength: 6 }), (lines) => {
        try {
          for (const [name, digest] of parseShasums(lines.join('\n'))) {
            assert.match(digest, /^[0-9a-f]{64}$/);
            assert.ok(name.length > 0 && !/\s/.test(name), JSON.stringify(name));
          }
        } catch (err) {
          assert.ok(isVerifyError(err, 'BAD_SHASUMS'), String(err));
          assert.match((err as Error).message, /SHA256SUMS/);
        }
      }),
    );
  });

  it('a duplicated file name is refused', () => {
    check(
      fc.property(fileName, hex, hex, (n, a, b) => {
        assert.throws(() => parseShasums(`${a}  ${n}\n${b}  ${n}\n`), /listed twice/);
      }),
    );
  });
});
